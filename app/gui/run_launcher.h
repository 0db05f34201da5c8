#pragma once
// The engines this build links, as a RunLauncher for the studio window's New Run dialog; runs of
// a kind without a linked engine start concept-studio-cli as a subprocess (ui/services/cli_run_job.h).
#include "services/run_launch.h"

cs::ui::RunLauncher makeEngineLauncher();
// In-process when the RecSAE engine is linked, else `concept-studio-cli ablate` as a subprocess job.
cs::ui::AblationLauncher makeAblationLauncher();
// In-process when the RecSAE engine is linked, else `concept-studio-cli user-concept` as a subprocess job.
cs::ui::UserConceptLauncher makeUserConceptLauncher();
