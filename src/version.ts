/** moat's version, written into headers and the manifest. A test keeps it equal to package.json's. */
export const VERSION = "0.1.0";
