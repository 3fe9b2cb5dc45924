import { AcceptInvitationForm } from "./accept-invitation-form";

export default function InvitationPage() {
  return (
    <main className="flex min-h-dvh items-center justify-center bg-surface p-lg">
      <AcceptInvitationForm />
    </main>
  );
}
