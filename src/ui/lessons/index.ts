// The lesson panel, loaded by the app only when lessons are opened (it brings the course
// and the Markdown renderer with it): src/ui/lessons/launcher.svelte.ts imports this lazily.
export { default as LessonPanel } from './LessonPanel.svelte';
export { LessonGuide, solutionName, CHECK_MS, type GuideDeps } from './guide.svelte.ts';
