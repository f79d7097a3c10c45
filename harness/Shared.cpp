#include "Shared.h"

namespace vspc {
namespace {
const WorkerControl *g_control = nullptr;
}  // namespace

void SetWorkerControl(const WorkerControl *control) { g_control = control; }
bool StopRequested() { return g_control && g_control->stop_requested.load(std::memory_order_relaxed) != 0; }

}  // namespace vspc
