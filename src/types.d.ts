/** resource.yaml and other .yaml files are imported as text (esbuild text loader; a vite plugin in tests). */
declare module '*.yaml' {
  const text: string;
  export default text;
}

/** The web console's page (src/ui/page.html) is imported as text the same way. */
declare module '*.html' {
  const text: string;
  export default text;
}
