import { useEffect, useState } from 'react';

export type Theme = 'light' | 'dark';
const KEY = 'ringmaster.theme';

/** The system's scheme (prefers-color-scheme) until the viewer picks one with the toggle. */
export function useTheme(): [Theme, () => void] {
  const system = (): Theme =>
    matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
  const [theme, setTheme] = useState<Theme>(() => {
    const stored = localStorage.getItem(KEY);
    return stored === 'light' || stored === 'dark' ? stored : system();
  });
  useEffect(() => {
    document.documentElement.dataset.theme = theme;
  }, [theme]);
  const toggle = () =>
    setTheme((t) => {
      const next = t === 'dark' ? 'light' : 'dark';
      localStorage.setItem(KEY, next);
      return next;
    });
  return [theme, toggle];
}
