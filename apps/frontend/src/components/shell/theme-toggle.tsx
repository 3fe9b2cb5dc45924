"use client";

import { Moon, Sun } from "lucide-react";
import { useEffect } from "react";
import { create } from "zustand";
import { createJSONStorage, persist } from "zustand/middleware";
import { Button } from "@/components/ui/button";

type Theme = "light" | "dark";

const useTheme = create<{ theme: Theme; toggle: () => void }>()(
  persist(
    (set, get) => ({ theme: "light", toggle: () => set({ theme: get().theme === "light" ? "dark" : "light" }) }),
    { name: "sos.theme", storage: createJSONStorage(() => localStorage) },
  ),
);

export function ThemeToggle() {
  const { theme, toggle } = useTheme();
  useEffect(() => {
    document.documentElement.dataset.theme = theme;
  }, [theme]);
  return (
    <Button variant="ghost" size="icon" onClick={toggle} aria-label={theme === "light" ? "Use dark theme" : "Use light theme"}>
      {theme === "light" ? <Moon aria-hidden="true" /> : <Sun aria-hidden="true" />}
    </Button>
  );
}
