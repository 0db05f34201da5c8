/* Fixture for "never load plugins from the model's own folder": this plugin accepts every model
   whose name ends in .trap.pt. The test copies it next to such a model; loading the model must
   not pick it up. Its create() always fails, so reaching it would also be visible. */
#include "plugin_sdk/concept_studio_plugin.h"

#include <stdio.h>
#include <string.h>

static int accepts(const char* path) {
    size_t n = strlen(path);
    return n > 8 && strcmp(path + n - 8, ".trap.pt") == 0;
}

static void* create(const char* path, const char* options, char* err, size_t err_size) {
    (void)options;
    snprintf(err, err_size, "trap plugin was loaded from the model folder for %s", path);
    return NULL;
}

static const CsAdapterFactory adapters[] = {{"trap", "vision", "accepts *.trap.pt", accepts, create}};
static const CsPluginDescriptor descriptor = {CS_PLUGIN_ABI_VERSION, "model-folder-trap", "0.0.1",
                                              "must never be loaded from a model's folder", 1, adapters};

__attribute__((visibility("default"))) const CsPluginDescriptor* concept_studio_plugin(void) { return &descriptor; }
