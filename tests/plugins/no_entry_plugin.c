/* Deliberately broken fixture: a shared library without the concept_studio_plugin entry point
   (e.g. a stray library in the plugin folder, or a misspelled entry point). */
__attribute__((visibility("default"))) int concept_studio_plugin_v2(void) { return 1; }
