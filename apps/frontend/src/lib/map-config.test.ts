import { parseMapConfig } from "./map-config";

describe("parseMapConfig", () => {
  it("keeps an http(s) tile URL template and its attribution", () => {
    expect(
      parseMapConfig({ mapTileUrl: " https://tile.example.org/{z}/{x}/{y}.png ", mapTileAttribution: "© Example" }),
    ).toEqual({ mapTileUrl: "https://tile.example.org/{z}/{x}/{y}.png", mapTileAttribution: "© Example" });
  });

  it("drops anything that is not an http(s) URL, so the map draws without tiles", () => {
    expect(parseMapConfig({ mapTileUrl: "javascript:alert(1)" }).mapTileUrl).toBe("");
    expect(parseMapConfig(null)).toEqual({ mapTileUrl: "", mapTileAttribution: "" });
  });
});
