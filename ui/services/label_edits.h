#pragma once
// Labels and notes the user gives concepts and SAE latents, as undoable edits: each change is one
// step on the session's undo stack (Edit > Undo / Redo), written to the project at once, so a
// label survives a crash and reopening. Views read labels back through results::RunData.
#include <QString>
#include <QStringList>

#include "store/project_store.h"

class QWidget;

namespace cs::ui {

class ProjectSession;

// Sets the label and note of one concept or latent (row id); empty text and note remove it.
// Writes at once and pushes the step; cs::Error (e.g. a read-only project) when it cannot be
// written, and then nothing is pushed.
void setLabelUndoable(ProjectSession* session, store::LabelTarget target, qint64 rowId, const QString& text,
                      const QString& note);

// What the label editor shows for one concept or latent.
struct LabelTargetInfo {
    store::LabelTarget target = store::LabelTarget::Concept;
    qint64 runId = 0, rowId = 0;
    QString what;         // "Concept 3 (layer4)", "Latent 17"
    QString text, note;   // the current label and note
    QStringList suggestions;  // best first: a latent's dictionary tags; the classes a concept raises most
};

// Reads the target from the project; false when the run has no such concept or latent.
bool readLabelTarget(const store::ProjectStore& store, qint64 runId, store::LabelTarget target, qint64 rowId,
                     LabelTargetInfo& info);

// Opens the label editor (non-modal to the event loop) for a concept or latent of the session's
// project and applies the edit when it is accepted; errors are shown in a message box. Returns the
// dialog (object name "labelEditor"), or nullptr when there is nothing to label.
QWidget* openLabelEditor(QWidget* parent, ProjectSession* session, qint64 runId, store::LabelTarget target, qint64 rowId);

}  // namespace cs::ui
