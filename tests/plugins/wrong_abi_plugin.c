/* Deliberately broken fixture: a plugin built for a future ABI version (the studio must refuse it
   with a message naming both versions, before it reads anything else of the descriptor). */
#include "plugin_sdk/concept_studio_plugin.h"

static const CsPluginDescriptor descriptor = {CS_PLUGIN_ABI_VERSION + 41, "future-abi", "9.9.9",
                                              "built for another ABI", 0, NULL};

__attribute__((visibility("default"))) const CsPluginDescriptor* concept_studio_plugin(void) { return &descriptor; }
