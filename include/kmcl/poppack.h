/*
 * poppack.h - vspconform's stand-in for the WDK header: restores the packing that the matching
 * pshpack1.h / pshpack2.h / pshpack4.h / pshpack8.h / pshpack16.h changed. No include guard.
 */
#if defined(__clang__)
#pragma clang diagnostic ignored "-Wpragma-pack"
#endif
#pragma pack(pop)
