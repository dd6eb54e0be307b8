/** resource.yaml and other .yaml files are imported as text (esbuild text loader; a vite plugin in tests). */
declare module '*.yaml' {
  const text: string;
  export default text;
}
