// The checks in wdk_compat_module.c (C, compiled against WdkCompat.h), called from
// wdk_support_test.cpp. Each int-returning check returns 0 or the line of its first failure.
#pragma once

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

int WdkcStructures(void);
int WdkcStatusCodes(void);
int WdkcMemory(void);
int WdkcIntSafe(void);
int WdkcInterlocked(void);
int WdkcLists(void);
void WdkcRemoveCorruptEntry(void);

extern uint32_t WdkcAssertLine;  // the line of the NT_ASSERT in WdkcFailAssertions
int WdkcFailAssertions(int Value, int *Evaluations);
void WdkcMisuseSpinLock(void);
int WdkcUseLocksCorrectly(void);
void WdkcDebugPrint(void);

void *WdkcAllocatePool2(size_t Size, uint32_t Tag, unsigned char Uninitialized);
void *WdkcAllocatePoolWithTag(size_t Size, uint32_t Tag);
void *WdkcAllocatePoolZero(size_t Size, uint32_t Tag);
void *WdkcAllocateCacheAligned(size_t Size, uint32_t Tag);
void WdkcFreePoolWithTag(void *P, uint32_t Tag);
void WdkcFreePool(void *P);
uint32_t WdkcTag(void);

#ifdef __cplusplus
}
#endif
