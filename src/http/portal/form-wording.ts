/**
 * A service's message in a form's words. The services name fields as their wire does (`FullName must not contain
 * ...`, `client_name is required`); a form's user reads its labels. `labels` maps a field name the message may begin
 * with to the label that replaces it; any other message is kept, as a sentence (its first letter a capital).
 */
export function inFormWords(message: string, labels: Readonly<Record<string, string>>): string {
  // The case of a first letter is the sentence's, not the field's: the users service says `fullName`, the orgs' `FullName`.
  const sentence = capitalized(message);
  for (const [field, label] of Object.entries(labels)) {
    const name = capitalized(field);
    if (sentence.startsWith(name) && !/\w/.test(sentence.charAt(name.length))) return label + sentence.slice(name.length);
  }
  return sentence;
}

const capitalized = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);
