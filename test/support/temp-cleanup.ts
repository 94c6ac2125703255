/** Setup file: at the end of each test file, the temporary folders its tests made go (temp-dirs.ts). */
import { afterAll } from "vitest";
import { removeTrackedTempDirs } from "./temp-dirs.js";

afterAll(removeTrackedTempDirs);
