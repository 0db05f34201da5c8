#include "services/project_session.h"

#include "store/project_store.h"

#include <QFileInfo>
#include <QUndoStack>

namespace cs::ui {

ProjectSession::ProjectSession(QObject* parent) : QObject(parent), undoStack_(new QUndoStack(this)) {
    connect(this, &ProjectSession::projectChanged, undoStack_, &QUndoStack::clear);
}
ProjectSession::~ProjectSession() = default;

void ProjectSession::open(const QString& path) {
    // Open first: a refused file must leave the current project open and untouched.
    auto store = store::ProjectStore::open(QFileInfo(path).absoluteFilePath().toStdString());
    store_ = std::move(store);
    path_ = QFileInfo(path).absoluteFilePath();
    emit projectChanged();
}

void ProjectSession::create(const QString& path) {
    auto store = store::ProjectStore::create(QFileInfo(path).absoluteFilePath().toStdString());
    store_ = std::move(store);
    path_ = QFileInfo(path).absoluteFilePath();
    emit projectChanged();
}

void ProjectSession::close() {
    if (!store_) return;
    store_.reset();
    path_.clear();
    emit projectChanged();
}

QString ProjectSession::displayName() const {
    return path_.isEmpty() ? QString() : QFileInfo(path_).fileName();
}

}  // namespace cs::ui
