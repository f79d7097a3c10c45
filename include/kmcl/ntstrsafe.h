/*
 * ntstrsafe.h - the WDK's safe string routines (RtlString*), for vspconform modules (C only).
 *
 * Swap the driver's <ntstrsafe.h> for this one (vspconform_add_module() puts include/kmcl/ first on
 * the include path, so `#include <ntstrsafe.h>` finds it). It includes WdkCompat.h.
 *
 * Semantics as in the WDK:
 *   - Cch routines count characters, Cb routines bytes (a W routine's byte count is halved, and an
 *     odd one rounded down). A destination size of 0 or above NTSTRSAFE_MAX_CCH characters is
 *     STATUS_INVALID_PARAMETER (the destination, when it has room, becomes an empty string).
 *   - A result that does not fit is truncated, always NUL-terminated, and STATUS_BUFFER_OVERFLOW
 *     (0x80000005, NT_SUCCESS false) is returned.
 *   - RtlStringCchLength/RtlStringCbLength: STATUS_INVALID_PARAMETER (and a length of 0) when the
 *     string is NULL or has no NUL within the maximum.
 *   - The printf routines read Windows' format codes: in an A routine %s and %c are narrow and %S,
 *     %C, %ls, %ws, %lc wide; in a W routine the other way round (%hs, %hc are always narrow);
 *     %Z is a PANSI_STRING, %wZ a PUNICODE_STRING; %I64d / %I64x, %I32d, %Id / %Ix (pointer-sized)
 *     and %p (16 upper-case hex digits, no 0x) as Windows prints them. %n is refused
 *     (STATUS_INVALID_PARAMETER). Wide characters above 0xFF become '?' in narrow output.
 *   - Wide strings are WCHAR (16-bit): write u"..." (L"..." is 32-bit on Linux).
 * Only the common routines are here (no Ex variants, no UNICODE_STRING routines).
 */
#ifndef VSPCONFORM_NTSTRSAFE_H
#define VSPCONFORM_NTSTRSAFE_H

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "WdkCompat.h"

/* The printf worker hands the C library format strings it builds: not a literal. */
#if defined(__clang__)
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wformat-nonliteral"
#elif defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
#endif

#ifdef __cplusplus
extern "C" {
#endif

#define NTSTRSAFE_MAX_CCH 2147483647
#define NTSTRSAFE_MAX_LENGTH (NTSTRSAFE_MAX_CCH - 1)
#define NTSTRSAFE_UNICODE_STRING_MAX_CCH (0xffff / sizeof(WCHAR))
#define NTSTRSAFEDDI static inline NTSTATUS

typedef char *NTSTRSAFE_PSTR;
typedef const char *NTSTRSAFE_PCSTR;
typedef WCHAR *NTSTRSAFE_PWSTR;
typedef const WCHAR *NTSTRSAFE_PCWSTR;

/* ---- The one destination writer: narrow (char) or wide (WCHAR) ------------------------------------- */
typedef struct _VSPC_STR_DEST {
    void *Buffer;
    size_t Cch;  /* characters, NUL included */
    size_t Used; /* characters written, NUL excluded */
    BOOLEAN Wide;
    BOOLEAN Truncated;
} VSPC_STR_DEST;

static inline VOID VspcStrPut(VSPC_STR_DEST *D, unsigned int Ch) {
    if (D->Used + 1 >= D->Cch) {
        D->Truncated = TRUE;
        return;
    }
    if (D->Wide)
        ((WCHAR *)D->Buffer)[D->Used] = (WCHAR)Ch;
    else
        ((char *)D->Buffer)[D->Used] = (char)(Ch > 0xFF ? '?' : Ch);
    D->Used++;
}

static inline VOID VspcStrEnd(VSPC_STR_DEST *D) {
    if (D->Wide)
        ((WCHAR *)D->Buffer)[D->Used] = 0;
    else
        ((char *)D->Buffer)[D->Used] = '\0';
}

static inline size_t VspcStrLenA(const char *s, size_t max) {
    size_t n = 0;
    while (n < max && s[n] != '\0') ++n;
    return n;
}
static inline size_t VspcStrLenW(const WCHAR *s, size_t max) {
    size_t n = 0;
    while (n < max && s[n] != 0) ++n;
    return n;
}

/* Checks a destination size in characters; on failure the destination (when it has room) is "". */
static inline NTSTATUS VspcStrValidateDest(void *Dest, size_t Cch, BOOLEAN Wide) {
    if (Cch != 0 && Cch <= NTSTRSAFE_MAX_CCH) return STATUS_SUCCESS;
    if (Cch != 0 && Dest != NULL) {
        if (Wide)
            *(WCHAR *)Dest = 0;
        else
            *(char *)Dest = '\0';
    }
    return STATUS_INVALID_PARAMETER;
}

/* Appends Src (Cch characters at most; SIZE_MAX: up to its NUL) at D->Used. */
static inline VOID VspcStrAppend(VSPC_STR_DEST *D, const void *Src, BOOLEAN SrcWide, size_t Cch) {
    size_t i;
    for (i = 0; i < Cch; ++i) {
        unsigned int c = SrcWide ? ((const WCHAR *)Src)[i] : (unsigned char)((const char *)Src)[i];
        if (c == 0) break;
        VspcStrPut(D, c);
        if (D->Truncated) break;
    }
}

static inline NTSTATUS VspcStrCopy(void *Dest, size_t CchDest, BOOLEAN Wide, const void *Src, size_t CchSrc) {
    VSPC_STR_DEST D = {Dest, CchDest, 0, Wide, FALSE};
    NTSTATUS Status = VspcStrValidateDest(Dest, CchDest, Wide);
    if (!NT_SUCCESS(Status)) return Status;
    VspcStrAppend(&D, Src, Wide, CchSrc);
    VspcStrEnd(&D);
    return D.Truncated ? STATUS_BUFFER_OVERFLOW : STATUS_SUCCESS;
}

static inline NTSTATUS VspcStrCat(void *Dest, size_t CchDest, BOOLEAN Wide, const void *Src, size_t CchSrc) {
    VSPC_STR_DEST D = {Dest, CchDest, 0, Wide, FALSE};
    NTSTATUS Status = VspcStrValidateDest(Dest, CchDest, Wide);
    if (!NT_SUCCESS(Status)) return Status;
    D.Used = Wide ? VspcStrLenW((const WCHAR *)Dest, CchDest) : VspcStrLenA((const char *)Dest, CchDest);
    if (D.Used == CchDest) return STATUS_INVALID_PARAMETER; /* the destination holds no string */
    VspcStrAppend(&D, Src, Wide, CchSrc);
    VspcStrEnd(&D);
    return D.Truncated ? STATUS_BUFFER_OVERFLOW : STATUS_SUCCESS;
}

static inline NTSTATUS VspcStrLength(const void *Psz, size_t CchMax, BOOLEAN Wide, size_t *PcchLength) {
    size_t n;
    if (Psz == NULL || CchMax == 0 || CchMax > NTSTRSAFE_MAX_CCH) {
        if (PcchLength != NULL) *PcchLength = 0;
        return STATUS_INVALID_PARAMETER;
    }
    n = Wide ? VspcStrLenW((const WCHAR *)Psz, CchMax) : VspcStrLenA((const char *)Psz, CchMax);
    if (n == CchMax) {
        if (PcchLength != NULL) *PcchLength = 0;
        return STATUS_INVALID_PARAMETER;
    }
    if (PcchLength != NULL) *PcchLength = n;
    return STATUS_SUCCESS;
}

/* ---- The printf worker (Windows' format codes) ---------------------------------------------------- */
/* A piece formatted by the C library (numbers), appended narrow. */
static inline VOID VspcStrAppendNumber(VSPC_STR_DEST *D, const char *Text, int Length) {
    if (Length > 0) VspcStrAppend(D, Text, FALSE, (size_t)Length);
}

/* Width/justification around a string argument of Length characters. */
static inline VOID VspcStrPad(VSPC_STR_DEST *D, int Width, size_t Length) {
    while (Width > 0 && (size_t)Width > Length && !D->Truncated) {
        VspcStrPut(D, ' ');
        --Width;
    }
}

static inline NTSTATUS VspcStrVPrintf(void *Dest, size_t CchDest, BOOLEAN Wide, const void *Format,
                                      va_list Args) {
    VSPC_STR_DEST D = {Dest, CchDest, 0, Wide, FALSE};
    NTSTATUS Status = VspcStrValidateDest(Dest, CchDest, Wide);
    size_t i = 0;
    if (!NT_SUCCESS(Status)) return Status;
    if (Format == NULL) {
        VspcStrEnd(&D);
        return STATUS_INVALID_PARAMETER;
    }
#define VSPC_FMT(k) (Wide ? (unsigned int)((const WCHAR *)Format)[k] : (unsigned int)(unsigned char)((const char *)Format)[k])
    while (VSPC_FMT(i) != 0 && !D.Truncated) {
        char Spec[48], Text[512];
        size_t s = 0;
        int Width = -1, Precision = -1, Left = 0, Length;
        /* size: 0 int, 'h' short, 'H' char, 'l' long, 'L' long long, 'z' size_t/pointer; wide: -1 narrow, 1 wide */
        int Size = 0, WideArg = 0;
        unsigned int c = VSPC_FMT(i);
        if (c != '%') {
            VspcStrPut(&D, c);
            ++i;
            continue;
        }
        ++i;
        Spec[s++] = '%';
        while ((c = VSPC_FMT(i)) == '-' || c == '+' || c == ' ' || c == '#' || c == '0') {
            if (c == '-') Left = 1;
            if (s < 8) Spec[s++] = (char)c;
            ++i;
        }
        if (VSPC_FMT(i) == '*') {
            Width = va_arg(Args, int);
            if (Width < 0) {
                Left = 1;
                Width = -Width;
                if (s < 8) Spec[s++] = '-';
            }
            ++i;
        } else {
            while ((c = VSPC_FMT(i)) >= '0' && c <= '9') {
                Width = (Width < 0 ? 0 : Width) * 10 + (int)(c - '0');
                if (Width > 4096) Width = 4096;
                ++i;
            }
        }
        if (VSPC_FMT(i) == '.') {
            ++i;
            Precision = 0;
            if (VSPC_FMT(i) == '*') {
                Precision = va_arg(Args, int);
                ++i;
            } else {
                while ((c = VSPC_FMT(i)) >= '0' && c <= '9') {
                    Precision = Precision * 10 + (int)(c - '0');
                    if (Precision > 4096) Precision = 4096;
                    ++i;
                }
            }
        }
        for (;;) { /* length modifiers */
            c = VSPC_FMT(i);
            if (c == 'h') {
                Size = Size == 'h' ? 'H' : 'h';
                WideArg = -1;
            } else if (c == 'l') {
                Size = Size == 'l' ? 'L' : 'l';
                WideArg = 1;
            } else if (c == 'w') {
                WideArg = 1;
            } else if (c == 'z' || c == 't' || c == 'j') {
                Size = c == 'j' ? 'L' : 'z';
            } else if (c == 'L') {
                Size = 'D'; /* long double */
            } else if (c == 'I') {
                if (VSPC_FMT(i + 1) == '6' && VSPC_FMT(i + 2) == '4') {
                    Size = 'L';
                    i += 2;
                } else if (VSPC_FMT(i + 1) == '3' && VSPC_FMT(i + 2) == '2') {
                    Size = 0;
                    i += 2;
                } else {
                    Size = 'z';
                }
            } else {
                break;
            }
            ++i;
        }
        c = VSPC_FMT(i);
        if (c == 0) break;
        ++i;
        switch (c) {
        case '%': VspcStrPut(&D, '%'); break;
        case 'd':
        case 'i':
        case 'u':
        case 'o':
        case 'x':
        case 'X': {
            unsigned long long U = 0;
            long long S = 0;
            BOOLEAN Signed = c == 'd' || c == 'i';
            if (Size == 'L') {
                if (Signed) S = va_arg(Args, long long); else U = va_arg(Args, unsigned long long);
            } else if (Size == 'l') {
                /* Windows' long is 32 bits */
                if (Signed) S = (LONG)va_arg(Args, int); else U = (ULONG)va_arg(Args, unsigned int);
            } else if (Size == 'z') {
                if (Signed) S = (long long)va_arg(Args, ptrdiff_t); else U = (unsigned long long)va_arg(Args, size_t);
            } else {
                int v = va_arg(Args, int);
                if (Signed) S = Size == 'h' ? (short)v : Size == 'H' ? (signed char)v : v;
                else U = Size == 'h' ? (unsigned short)v : Size == 'H' ? (unsigned char)v : (unsigned int)v;
            }
            if (Width >= 0) s += (size_t)snprintf(Spec + s, sizeof Spec - s, "%d", Width);
            if (Precision >= 0) s += (size_t)snprintf(Spec + s, sizeof Spec - s, ".%d", Precision);
            Spec[s++] = 'l';
            Spec[s++] = 'l';
            Spec[s++] = (char)c;
            Spec[s] = '\0';
            Length = Signed ? snprintf(Text, sizeof Text, Spec, S) : snprintf(Text, sizeof Text, Spec, U);
            VspcStrAppendNumber(&D, Text, Length < (int)sizeof Text ? Length : (int)sizeof Text - 1);
            break;
        }
        case 'e':
        case 'E':
        case 'f':
        case 'F':
        case 'g':
        case 'G':
        case 'a':
        case 'A': {
            if (Width >= 0) s += (size_t)snprintf(Spec + s, sizeof Spec - s, "%d", Width);
            if (Precision >= 0) s += (size_t)snprintf(Spec + s, sizeof Spec - s, ".%d", Precision);
            if (Size == 'D') Spec[s++] = 'L';
            Spec[s++] = (char)c;
            Spec[s] = '\0';
            if (Size == 'D')
                Length = snprintf(Text, sizeof Text, Spec, va_arg(Args, long double));
            else
                Length = snprintf(Text, sizeof Text, Spec, va_arg(Args, double));
            VspcStrAppendNumber(&D, Text, Length < (int)sizeof Text ? Length : (int)sizeof Text - 1);
            break;
        }
        case 'p': {
            void *P = va_arg(Args, void *);
            Length = snprintf(Text, sizeof Text, "%016llX", (unsigned long long)(uintptr_t)P);
            if (!Left) VspcStrPad(&D, Width, (size_t)Length);
            VspcStrAppendNumber(&D, Text, Length);
            if (Left) VspcStrPad(&D, Width, (size_t)Length);
            break;
        }
        case 'c':
        case 'C': {
            unsigned int Ch = (unsigned int)va_arg(Args, int);
            BOOLEAN WideCh = WideArg ? WideArg > 0 : ((c == 'C') != (Wide != 0));
            Ch = WideCh ? (WCHAR)Ch : (unsigned char)Ch;
            if (!Left) VspcStrPad(&D, Width, 1);
            VspcStrPut(&D, Ch);
            if (Left) VspcStrPad(&D, Width, 1);
            break;
        }
        case 's':
        case 'S':
        case 'Z': {
            const void *Str;
            size_t Max = Precision >= 0 ? (size_t)Precision : (size_t)-1, Len;
            BOOLEAN WideStr;
            if (c == 'Z') {
                WideStr = WideArg > 0;
                if (WideStr) {
                    PCUNICODE_STRING U = va_arg(Args, PCUNICODE_STRING);
                    Str = U != NULL ? (const void *)U->Buffer : NULL;
                    if (U != NULL && U->Length / sizeof(WCHAR) < Max) Max = U->Length / sizeof(WCHAR);
                } else {
                    PCANSI_STRING A = va_arg(Args, PCANSI_STRING);
                    Str = A != NULL ? (const void *)A->Buffer : NULL;
                    if (A != NULL && A->Length < Max) Max = A->Length;
                }
            } else {
                WideStr = WideArg ? WideArg > 0 : ((c == 'S') != (Wide != 0));
                Str = va_arg(Args, const void *);
            }
            if (Str == NULL) {
                Str = "(null)";
                WideStr = FALSE;
                if (Max > 6) Max = 6;
            }
            Len = WideStr ? VspcStrLenW((const WCHAR *)Str, Max) : VspcStrLenA((const char *)Str, Max);
            if (!Left) VspcStrPad(&D, Width, Len);
            VspcStrAppend(&D, Str, WideStr, Len);
            if (Left) VspcStrPad(&D, Width, Len);
            break;
        }
        default: /* %n, or a code Windows does not know */
            VspcStrEnd(&D);
            return STATUS_INVALID_PARAMETER;
        }
    }
#undef VSPC_FMT
    VspcStrEnd(&D);
    return D.Truncated ? STATUS_BUFFER_OVERFLOW : STATUS_SUCCESS;
}

/* ---- Copy ------------------------------------------------------------------------------------------- */
NTSTRSAFEDDI RtlStringCchCopyA(_Out_writes_(cchDest) NTSTRSAFE_PSTR pszDest, _In_ size_t cchDest,
                               _In_ NTSTRSAFE_PCSTR pszSrc) {
    return VspcStrCopy(pszDest, cchDest, FALSE, pszSrc, (size_t)-1);
}
NTSTRSAFEDDI RtlStringCchCopyW(_Out_writes_(cchDest) NTSTRSAFE_PWSTR pszDest, _In_ size_t cchDest,
                               _In_ NTSTRSAFE_PCWSTR pszSrc) {
    return VspcStrCopy(pszDest, cchDest, TRUE, pszSrc, (size_t)-1);
}
NTSTRSAFEDDI RtlStringCbCopyA(_Out_writes_bytes_(cbDest) NTSTRSAFE_PSTR pszDest, _In_ size_t cbDest,
                              _In_ NTSTRSAFE_PCSTR pszSrc) {
    return VspcStrCopy(pszDest, cbDest, FALSE, pszSrc, (size_t)-1);
}
NTSTRSAFEDDI RtlStringCbCopyW(_Out_writes_bytes_(cbDest) NTSTRSAFE_PWSTR pszDest, _In_ size_t cbDest,
                              _In_ NTSTRSAFE_PCWSTR pszSrc) {
    return VspcStrCopy(pszDest, cbDest / sizeof(WCHAR), TRUE, pszSrc, (size_t)-1);
}
/* At most cchToCopy characters of pszSrc. */
NTSTRSAFEDDI RtlStringCchCopyNA(_Out_writes_(cchDest) NTSTRSAFE_PSTR pszDest, _In_ size_t cchDest,
                                _In_reads_or_z_(cchToCopy) NTSTRSAFE_PCSTR pszSrc, _In_ size_t cchToCopy) {
    if (cchToCopy > NTSTRSAFE_MAX_LENGTH) return VspcStrValidateDest(pszDest, 0, FALSE);
    return VspcStrCopy(pszDest, cchDest, FALSE, pszSrc, cchToCopy);
}
NTSTRSAFEDDI RtlStringCchCopyNW(_Out_writes_(cchDest) NTSTRSAFE_PWSTR pszDest, _In_ size_t cchDest,
                                _In_reads_or_z_(cchToCopy) NTSTRSAFE_PCWSTR pszSrc, _In_ size_t cchToCopy) {
    if (cchToCopy > NTSTRSAFE_MAX_LENGTH) return VspcStrValidateDest(pszDest, 0, TRUE);
    return VspcStrCopy(pszDest, cchDest, TRUE, pszSrc, cchToCopy);
}
NTSTRSAFEDDI RtlStringCbCopyNA(_Out_writes_bytes_(cbDest) NTSTRSAFE_PSTR pszDest, _In_ size_t cbDest,
                               _In_reads_bytes_(cbToCopy) NTSTRSAFE_PCSTR pszSrc, _In_ size_t cbToCopy) {
    return RtlStringCchCopyNA(pszDest, cbDest, pszSrc, cbToCopy);
}
NTSTRSAFEDDI RtlStringCbCopyNW(_Out_writes_bytes_(cbDest) NTSTRSAFE_PWSTR pszDest, _In_ size_t cbDest,
                               _In_reads_bytes_(cbToCopy) NTSTRSAFE_PCWSTR pszSrc, _In_ size_t cbToCopy) {
    return RtlStringCchCopyNW(pszDest, cbDest / sizeof(WCHAR), pszSrc, cbToCopy / sizeof(WCHAR));
}

/* ---- Concatenate ------------------------------------------------------------------------------------ */
NTSTRSAFEDDI RtlStringCchCatA(_Inout_updates_(cchDest) NTSTRSAFE_PSTR pszDest, _In_ size_t cchDest,
                              _In_ NTSTRSAFE_PCSTR pszSrc) {
    return VspcStrCat(pszDest, cchDest, FALSE, pszSrc, (size_t)-1);
}
NTSTRSAFEDDI RtlStringCchCatW(_Inout_updates_(cchDest) NTSTRSAFE_PWSTR pszDest, _In_ size_t cchDest,
                              _In_ NTSTRSAFE_PCWSTR pszSrc) {
    return VspcStrCat(pszDest, cchDest, TRUE, pszSrc, (size_t)-1);
}
NTSTRSAFEDDI RtlStringCbCatA(_Inout_updates_bytes_(cbDest) NTSTRSAFE_PSTR pszDest, _In_ size_t cbDest,
                             _In_ NTSTRSAFE_PCSTR pszSrc) {
    return VspcStrCat(pszDest, cbDest, FALSE, pszSrc, (size_t)-1);
}
NTSTRSAFEDDI RtlStringCbCatW(_Inout_updates_bytes_(cbDest) NTSTRSAFE_PWSTR pszDest, _In_ size_t cbDest,
                             _In_ NTSTRSAFE_PCWSTR pszSrc) {
    return VspcStrCat(pszDest, cbDest / sizeof(WCHAR), TRUE, pszSrc, (size_t)-1);
}
NTSTRSAFEDDI RtlStringCchCatNA(_Inout_updates_(cchDest) NTSTRSAFE_PSTR pszDest, _In_ size_t cchDest,
                               _In_reads_or_z_(cchToAppend) NTSTRSAFE_PCSTR pszSrc, _In_ size_t cchToAppend) {
    return VspcStrCat(pszDest, cchDest, FALSE, pszSrc, cchToAppend);
}
NTSTRSAFEDDI RtlStringCbCatNA(_Inout_updates_bytes_(cbDest) NTSTRSAFE_PSTR pszDest, _In_ size_t cbDest,
                              _In_reads_bytes_(cbToAppend) NTSTRSAFE_PCSTR pszSrc, _In_ size_t cbToAppend) {
    return VspcStrCat(pszDest, cbDest, FALSE, pszSrc, cbToAppend);
}

/* ---- Length ----------------------------------------------------------------------------------------- */
NTSTRSAFEDDI RtlStringCchLengthA(_In_reads_or_z_(cchMax) NTSTRSAFE_PCSTR psz, _In_ size_t cchMax,
                                 _Out_opt_ size_t *pcchLength) {
    return VspcStrLength(psz, cchMax, FALSE, pcchLength);
}
NTSTRSAFEDDI RtlStringCchLengthW(_In_reads_or_z_(cchMax) NTSTRSAFE_PCWSTR psz, _In_ size_t cchMax,
                                 _Out_opt_ size_t *pcchLength) {
    return VspcStrLength(psz, cchMax, TRUE, pcchLength);
}
NTSTRSAFEDDI RtlStringCbLengthA(_In_reads_or_z_(cbMax) NTSTRSAFE_PCSTR psz, _In_ size_t cbMax,
                                _Out_opt_ size_t *pcbLength) {
    return VspcStrLength(psz, cbMax, FALSE, pcbLength);
}
/* In bytes: the string's length in WCHARs, times 2. */
NTSTRSAFEDDI RtlStringCbLengthW(_In_reads_or_z_(cbMax) NTSTRSAFE_PCWSTR psz, _In_ size_t cbMax,
                                _Out_opt_ size_t *pcbLength) {
    size_t cch = 0;
    NTSTATUS Status = VspcStrLength(psz, cbMax / sizeof(WCHAR), TRUE, &cch);
    if (pcbLength != NULL) *pcbLength = cch * sizeof(WCHAR);
    return Status;
}

/* ---- printf ----------------------------------------------------------------------------------------- */
NTSTRSAFEDDI RtlStringCchVPrintfA(_Out_writes_(cchDest) NTSTRSAFE_PSTR pszDest, _In_ size_t cchDest,
                                  _In_ _Printf_format_string_ NTSTRSAFE_PCSTR pszFormat, _In_ va_list argList) {
    return VspcStrVPrintf(pszDest, cchDest, FALSE, pszFormat, argList);
}
NTSTRSAFEDDI RtlStringCchVPrintfW(_Out_writes_(cchDest) NTSTRSAFE_PWSTR pszDest, _In_ size_t cchDest,
                                  _In_ _Printf_format_string_ NTSTRSAFE_PCWSTR pszFormat, _In_ va_list argList) {
    return VspcStrVPrintf(pszDest, cchDest, TRUE, pszFormat, argList);
}
NTSTRSAFEDDI RtlStringCbVPrintfA(_Out_writes_bytes_(cbDest) NTSTRSAFE_PSTR pszDest, _In_ size_t cbDest,
                                 _In_ _Printf_format_string_ NTSTRSAFE_PCSTR pszFormat, _In_ va_list argList) {
    return VspcStrVPrintf(pszDest, cbDest, FALSE, pszFormat, argList);
}
NTSTRSAFEDDI RtlStringCbVPrintfW(_Out_writes_bytes_(cbDest) NTSTRSAFE_PWSTR pszDest, _In_ size_t cbDest,
                                 _In_ _Printf_format_string_ NTSTRSAFE_PCWSTR pszFormat, _In_ va_list argList) {
    return VspcStrVPrintf(pszDest, cbDest / sizeof(WCHAR), TRUE, pszFormat, argList);
}
static inline NTSTATUS RtlStringCchPrintfA(_Out_writes_(cchDest) NTSTRSAFE_PSTR pszDest, _In_ size_t cchDest,
                                           _In_ _Printf_format_string_ NTSTRSAFE_PCSTR pszFormat, ...) {
    va_list Args;
    NTSTATUS Status;
    va_start(Args, pszFormat);
    Status = VspcStrVPrintf(pszDest, cchDest, FALSE, pszFormat, Args);
    va_end(Args);
    return Status;
}
static inline NTSTATUS RtlStringCchPrintfW(_Out_writes_(cchDest) NTSTRSAFE_PWSTR pszDest, _In_ size_t cchDest,
                                           _In_ _Printf_format_string_ NTSTRSAFE_PCWSTR pszFormat, ...) {
    va_list Args;
    NTSTATUS Status;
    va_start(Args, pszFormat);
    Status = VspcStrVPrintf(pszDest, cchDest, TRUE, pszFormat, Args);
    va_end(Args);
    return Status;
}
static inline NTSTATUS RtlStringCbPrintfA(_Out_writes_bytes_(cbDest) NTSTRSAFE_PSTR pszDest, _In_ size_t cbDest,
                                          _In_ _Printf_format_string_ NTSTRSAFE_PCSTR pszFormat, ...) {
    va_list Args;
    NTSTATUS Status;
    va_start(Args, pszFormat);
    Status = VspcStrVPrintf(pszDest, cbDest, FALSE, pszFormat, Args);
    va_end(Args);
    return Status;
}
static inline NTSTATUS RtlStringCbPrintfW(_Out_writes_bytes_(cbDest) NTSTRSAFE_PWSTR pszDest, _In_ size_t cbDest,
                                          _In_ _Printf_format_string_ NTSTRSAFE_PCWSTR pszFormat, ...) {
    va_list Args;
    NTSTATUS Status;
    va_start(Args, pszFormat);
    Status = VspcStrVPrintf(pszDest, cbDest / sizeof(WCHAR), TRUE, pszFormat, Args);
    va_end(Args);
    return Status;
}

#ifdef __cplusplus
}
#endif

#if defined(__clang__)
#pragma clang diagnostic pop
#elif defined(__GNUC__)
#pragma GCC diagnostic pop
#endif

#endif /* VSPCONFORM_NTSTRSAFE_H */
