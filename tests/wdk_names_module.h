// The checks in wdk_names_module.c (driver-style C compiled against WdkCompat.h and ntstrsafe.h),
// called from wdk_support_test.cpp. Each int-returning check returns 0 or the line of its first failure.
#pragma once

#ifdef __cplusplus
extern "C" {
#endif

int WdkNameMdl(void);
int WdkNameLocks(void);
void WdkNameMisuseLocks(void);
int WdkNameLookasideInit(void);
int WdkNameLookasideAllocate(int Count, void **Rx, void **Tx);
int WdkNameLookasideFree(int Count, void **Rx, void **Tx);
void *WdkNameLookasideAfterDelete(void);
int WdkNameFreePool2(int WrongTag);
int WdkNameTimeAndProcessors(long long UnixSeconds);
int WdkNameByteOrderAndFences(void);
void WdkNameFailFast(void);
int WdkNameBitmap(void);
int WdkNameStrings(void);

#ifdef __cplusplus
}
#endif
