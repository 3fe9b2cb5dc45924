/** The API's skill slug: lowercase letters, digits, "_" and "-", starting with a letter or digit, 48 at most. */
const SKILL = /^[a-z0-9][a-z0-9_-]{0,47}$/;
export const SKILLS_MAX = 50;

/** Reads skills typed as a list ("first_aid, CPR water-rescue"): trimmed, lower-cased, without repeats. */
export function parseSkills(text: string): { skills: string[]; error?: string } {
  const skills = [...new Set(text.split(/[\s,;]+/).map((skill) => skill.trim().toLowerCase()).filter(Boolean))];
  const invalid = skills.filter((skill) => !SKILL.test(skill));
  if (invalid.length) {
    return {
      skills,
      error: `Not a valid skill: ${invalid.join(", ")}. Use letters, digits, “_” or “-”, up to 48 characters, e.g. first_aid.`,
    };
  }
  if (skills.length > SKILLS_MAX) return { skills, error: `List at most ${SKILLS_MAX} skills (${skills.length} given).` };
  return { skills };
}

export const formatSkill = (skill: string): string => skill.replaceAll("_", " ");
