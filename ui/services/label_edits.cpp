#include "services/label_edits.h"

#include "common/error.h"
#include "results/run_data.h"
#include "services/project_session.h"

#include <QComboBox>
#include <QDialog>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QUndoCommand>
#include <QUndoStack>

#include <optional>

namespace cs::ui {

namespace {

struct LabelState {
    QString text, note;
    bool empty() const { return text.isEmpty() && note.isEmpty(); }
};

void writeLabel(store::ProjectStore& store, store::LabelTarget target, qint64 rowId, const LabelState& state) {
    if (state.empty()) store.removeLabel(target, rowId);
    else store.setLabel(target, rowId, state.text.toStdString(), state.note.toStdString());
}

// One label change. The first redo() is the write setLabelUndoable already made; later ones
// (after an undo) write again. A step whose write fails (the file became read-only) leaves the
// project as it is and says so on stderr: the stack cannot refuse a step Qt is replaying.
class SetLabelCommand : public QUndoCommand {
public:
    SetLabelCommand(ProjectSession* session, store::LabelTarget target, qint64 rowId, LabelState before, LabelState after)
        : session_(session), target_(target), rowId_(rowId), before_(std::move(before)), after_(std::move(after)) {
        setText(after_.empty() ? QObject::tr("Remove Label") : QObject::tr("Label “%1”").arg(after_.text));
    }
    void undo() override { apply(before_); }
    void redo() override {
        if (firstRedo_) {
            firstRedo_ = false;
            return;
        }
        apply(after_);
    }

private:
    void apply(const LabelState& state) {
        if (!session_->isOpen()) return;
        try {
            writeLabel(*session_->store(), target_, rowId_, state);
        } catch (const std::exception& e) {
            qWarning("%s", e.what());
        }
        session_->notifyDataChanged();
    }
    ProjectSession* session_;
    store::LabelTarget target_;
    qint64 rowId_;
    LabelState before_, after_;
    bool firstRedo_ = true;
};

}  // namespace

void setLabelUndoable(ProjectSession* session, store::LabelTarget target, qint64 rowId, const QString& text,
                      const QString& note) {
    if (!session->isOpen()) throw Error("", "no project is open");
    store::ProjectStore& store = *session->store();
    LabelState before;
    if (const auto existing = store.label(target, rowId))
        before = {QString::fromStdString(existing->text), QString::fromStdString(existing->note)};
    const LabelState after{text.trimmed(), note.trimmed()};
    if (before.text == after.text && before.note == after.note) return;  // nothing to undo
    writeLabel(store, target, rowId, after);
    session->undoStack()->push(new SetLabelCommand(session, target, rowId, before, after));
    session->notifyDataChanged();
}

bool readLabelTarget(const store::ProjectStore& store, qint64 runId, store::LabelTarget target, qint64 rowId,
                     LabelTargetInfo& info) {
    if (!store.run(runId)) return false;
    const results::RunData run = results::loadRunData(store, runId);
    info = LabelTargetInfo{};
    info.target = target;
    info.runId = runId;
    info.rowId = rowId;
    bool found = false;
    if (target == store::LabelTarget::Concept) {
        for (const auto& c : run.concepts) {
            if (c.id != rowId) continue;
            found = true;
            info.what = QObject::tr("Concept %1 (%2)").arg(c.index).arg(QString::fromStdString(c.layer));
            // The classes the concept raises most through the model's head come first (the engine
            // stores them, best first), then the engine's own name for it.
            for (const auto& name : results::raisedClassNames(c)) info.suggestions << QString::fromStdString(name);
            if (!c.label.empty() && !info.suggestions.contains(QString::fromStdString(c.label))) info.suggestions << QString::fromStdString(c.label);
        }
    } else {
        for (const auto& l : run.latents) {
            if (l.id != rowId) continue;
            found = true;
            info.what = QObject::tr("Latent %1").arg(l.index);
            for (const auto& tag : results::latentTags(l)) info.suggestions << QString::fromStdString(tag);
        }
    }
    if (const auto* label = run.userLabel(target, rowId)) {
        info.text = QString::fromStdString(label->text);
        info.note = QString::fromStdString(label->note);
    }
    return found;
}

QWidget* openLabelEditor(QWidget* parent, ProjectSession* session, qint64 runId, store::LabelTarget target, qint64 rowId) {
    if (!session->isOpen() || runId == 0 || rowId == 0) return nullptr;
    LabelTargetInfo info;
    try {
        if (!readLabelTarget(*session->store(), runId, target, rowId, info)) return nullptr;
    } catch (const std::exception& e) {
        QMessageBox::warning(parent, QObject::tr("Cannot read the label"), QString::fromStdString(e.what()));
        return nullptr;
    }
    auto* dialog = new QDialog(parent);
    dialog->setObjectName(QStringLiteral("labelEditor"));
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setWindowTitle(QObject::tr("Label %1").arg(info.what));
    auto* form = new QFormLayout(dialog);
    // Editable, with the suggestions (best first) in its list; the current label is the text.
    auto* text = new QComboBox(dialog);
    text->setObjectName(QStringLiteral("labelText"));
    text->setEditable(true);
    text->setInsertPolicy(QComboBox::NoInsert);
    text->addItems(info.suggestions);
    text->setEditText(info.text);
    text->lineEdit()->setPlaceholderText(info.suggestions.isEmpty() ? QObject::tr("a name for it")
                                                                    : QObject::tr("e.g. %1").arg(info.suggestions.front()));
    text->setMinimumWidth(320);
    auto* note = new QLineEdit(info.note, dialog);
    note->setObjectName(QStringLiteral("labelNote"));
    note->setPlaceholderText(QObject::tr("what you noticed (optional)"));
    form->addRow(QObject::tr("Label:"), text);
    form->addRow(QObject::tr("Note:"), note);
    if (!info.suggestions.isEmpty()) {
        auto* hint = new QLabel(QObject::tr("Suggestions are in the list (best first)."), dialog);
        hint->setEnabled(false);
        form->addRow(hint);
    }
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, dialog);
    form->addRow(buttons);
    QObject::connect(buttons, &QDialogButtonBox::accepted, dialog, &QDialog::accept);
    QObject::connect(buttons, &QDialogButtonBox::rejected, dialog, &QDialog::reject);
    QObject::connect(dialog, &QDialog::accepted, session, [session, info, text, note, parent] {
        try {
            setLabelUndoable(session, info.target, info.rowId, text->currentText(), note->text());
        } catch (const std::exception& e) {
            QMessageBox::warning(parent, QObject::tr("Cannot save the label"), QString::fromStdString(e.what()));
        }
    });
    text->lineEdit()->selectAll();
    dialog->open();
    return dialog;
}

}  // namespace cs::ui
