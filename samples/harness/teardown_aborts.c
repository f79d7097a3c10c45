/*
 * teardown_aborts.c - a correct VSP whose process teardown aborts: an atexit handler and a
 * thread-exit destructor (what a C++ thread_local's destructor is registered as) that call
 * abort(). The teardown of the worker process is not a callback under test: the module passes.
 */
#include "common/mini_vsp.h"

MINI_VSP_STATE_HOOKS
MINI_VSP_SAVE
MINI_VSP_RESTORE

/* glibc's registration of a thread_local object's destructor (what clang emits for C++). */
extern int __cxa_thread_atexit_impl(void (*Destructor)(void *), void *Object, void *DsoHandle);
extern void *__dso_handle;

static int ThreadLocalObject;

static void AbortAtExit(void) { abort(); }
static void AbortInDestructor(void *Object) {
    (void)Object;
    abort();
}

__attribute__((constructor)) static void RegisterTeardown(void) {
    atexit(AbortAtExit);
    __cxa_thread_atexit_impl(AbortInDestructor, &ThreadLocalObject, &__dso_handle);
}
