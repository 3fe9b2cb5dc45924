import { parseSkills } from "./skills";

describe("parseSkills", () => {
  it("splits on commas and spaces, lower-cases and drops repeats", () => {
    expect(parseSkills("First_Aid, cpr  water-rescue,cpr")).toEqual({ skills: ["first_aid", "cpr", "water-rescue"] });
  });

  it("accepts an empty list", () => {
    expect(parseSkills("  ")).toEqual({ skills: [] });
  });

  it("names the skills the API would refuse", () => {
    expect(parseSkills("cpr, _diver, ok").error).toMatch(/Not a valid skill: _diver\./);
  });
});
