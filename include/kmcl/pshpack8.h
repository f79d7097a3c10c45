/*
 * pshpack8.h - vspconform's stand-in for the WDK header: structures declared after it are packed
 * to 8-byte alignment, until poppack.h. No include guard: it is included once per packed block.
 * Like the WDK's (which disables MSVC's C4103), it silences clang's -Wpragma-pack, which would
 * otherwise warn that an included file changes the packing.
 */
#if defined(__clang__)
#pragma clang diagnostic ignored "-Wpragma-pack"
#endif
#pragma pack(push, 8)
