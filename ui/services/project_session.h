#pragma once
// ProjectSession: the open project as the UI sees it. Owns the UI thread's read connection to
// the project file (a view reads the store, never the engine) and announces when the project
// was opened, closed or changed on disk (a job finished) so views reload.
#include <QObject>
#include <QString>

#include <memory>

class QUndoStack;

namespace cs::store {
class ProjectStore;
}

namespace cs::ui {

class ProjectSession : public QObject {
    Q_OBJECT
public:
    explicit ProjectSession(QObject* parent = nullptr);
    ~ProjectSession() override;

    // Both throw cs::Error (naming the file and the problem) and leave the session as it was.
    void open(const QString& path);
    void create(const QString& path);
    void close();

    bool isOpen() const { return store_ != nullptr; }
    QString path() const { return path_; }
    QString displayName() const;
    // Valid while open; views must not keep it across projectChanged().
    store::ProjectStore* store() const { return store_.get(); }

    // Tell the views that rows changed (a run finished, a run was deleted).
    void notifyDataChanged() { emit dataChanged(); }

    // The user's edits of this project (labels and notes), for Edit > Undo / Redo; emptied when
    // another project is opened, since its steps name rows of this one.
    QUndoStack* undoStack() const { return undoStack_; }

signals:
    void projectChanged();  // opened, created or closed
    void dataChanged();

private:
    std::unique_ptr<store::ProjectStore> store_;
    QString path_;
    QUndoStack* undoStack_;
};

}  // namespace cs::ui
