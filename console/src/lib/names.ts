// Client-side checks that name the rule a value broke (the console-api checks again).

/** A project becomes a namespace, so its name is a DNS-1123 label. */
export function projectNameProblem(value: string): string | null {
  if (!value) return "Enter a name.";
  if (value.length > 63) return "At most 63 characters.";
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(value))
    return "Lower-case letters, digits and dashes, starting and ending with a letter or digit.";
  return null;
}

export function emailProblem(value: string): string | null {
  if (!value.trim()) return "Enter an email address.";
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value.trim())) return "This is not an email address.";
  return null;
}
