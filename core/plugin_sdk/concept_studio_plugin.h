/*
 * ConceptStudio plugin SDK: the one header a plugin includes (docs/plugins.md).
 *
 * A plugin is a shared library exporting one C function, CS_PLUGIN_ENTRY_NAME, that returns a
 * static descriptor. The studio reads abi_version before it touches anything else and refuses
 * a plugin built for another ABI with a message naming both versions (as OBS and Qt Creator do).
 *
 * The ABI version covers this struct layout and the C++ interfaces in core/model/model_adapter.h
 * (the factory returns a cs::model::ModelAdapter*), so it must be bumped when either changes.
 * Plugins must be built with the same compiler family and LibTorch as the studio.
 */
#ifndef CONCEPT_STUDIO_PLUGIN_H
#define CONCEPT_STUDIO_PLUGIN_H

#include <stddef.h>

#define CS_PLUGIN_ABI_VERSION 1
#define CS_PLUGIN_ENTRY_NAME "concept_studio_plugin"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct CsAdapterFactory {
    const char* name;        /* adapter name used with --adapter, e.g. "torchvision" */
    const char* kind;        /* "vision" or "sequential-recommender" */
    const char* description; /* one line for `concept-studio-cli models` */
    /* Returns 1 when this adapter recognises the model file (cheap check), else 0. May be NULL. */
    int (*accepts)(const char* model_path);
    /* Creates an adapter: returns a new cs::model::ModelAdapter* (ownership to the caller), or NULL
       with a message (naming the problem) written to err. options_json may be NULL. */
    void* (*create)(const char* model_path, const char* options_json, char* err, size_t err_size);
} CsAdapterFactory;

typedef struct CsPluginDescriptor {
    int abi_version; /* must be CS_PLUGIN_ABI_VERSION */
    const char* name;
    const char* version;
    const char* description;
    int adapter_count;
    const CsAdapterFactory* adapters;
} CsPluginDescriptor;

typedef const CsPluginDescriptor* (*CsPluginEntry)(void);

#ifdef __cplusplus
}
#endif

#endif
