#pragma once
// SearchDialog (Edit > Find, Ctrl+F): finds runs, concepts and latents of the open project by
// their names, the users' labels and notes, latent tags and item-title words
// (results/project_search.h). Results are grouped by run; Enter or a double-click on a result
// emits hitActivated, and the window shows it in its view.
#include "results/project_search.h"

#include <QDialog>

class QLineEdit;
class QTreeWidget;
class QTreeWidgetItem;
class QLabel;

namespace cs::ui {

class ProjectSession;

class SearchDialog : public QDialog {
    Q_OBJECT
public:
    SearchDialog(ProjectSession* session, QWidget* parent = nullptr);
    void setQuery(const QString& text);
    QTreeWidget* results() const { return results_; }
    // Activates the current result (the first one when none is current); false when there is none.
    bool activateCurrent();

signals:
    void hitActivated(qint64 runId, results::SearchHitKind kind, qint64 rowId);

private:
    void refresh();
    void activate(QTreeWidgetItem* item);

    ProjectSession* session_;
    QLineEdit* query_;
    QTreeWidget* results_;
    QLabel* status_;
};

}  // namespace cs::ui
