//===- Summary.h - Keras 3's model.summary() --------------------*- C++ -*-===//
//
// Prints a model's summary exactly as Keras 3 does: a Rich table with heavy
// header borders and lines between rows, columns sized from the terminal
// width the way Keras and Rich size them, then the parameter totals.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_FRONTEND_SUMMARY_H
#define KILN_FRONTEND_SUMMARY_H

#include "frontend/ModelBuilder.h"

#include <string>

namespace kiln::frontend {

/// The terminal width Python's shutil.get_terminal_size() would report for
/// stdout: $COLUMNS, else the terminal's, else 80.
int terminalColumns();

/// Keras 3's summary of `model` for a terminal `columns` wide.
std::string renderSummary(const BuiltModel &model, int columns);

/// Keras's readable_memory_size: "136.04 KB".
std::string readableSize(double bytes);

/// 34826 -> "34,826".
std::string withCommas(int64_t n);

} // namespace kiln::frontend

#endif // KILN_FRONTEND_SUMMARY_H
