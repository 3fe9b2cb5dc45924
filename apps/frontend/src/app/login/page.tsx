import { Suspense } from "react";
import { LoginForm } from "./login-form";

export default function LoginPage() {
  return (
    <main className="flex min-h-dvh items-center justify-center bg-surface p-lg">
      <Suspense>
        <LoginForm />
      </Suspense>
    </main>
  );
}
