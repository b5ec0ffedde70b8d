/* wskemu: SAL annotations as no-ops, for every compiler but MSVC.
 * Driver code is annotated for the WDK's static analysis; the annotations carry
 * no meaning for GCC or Clang, so every one expands to nothing. The list covers
 * the annotations seen in WDK samples and WSK drivers; docs/porting.md says how
 * to add a missing one. Driver-specific annotations (IRQL, __drv_*, _Kernel_*)
 * are in driverspecs.h, as in the WDK.
 *
 * This file is in a directory of its own (include/wdk/non_msvc), which the
 * wskemu target puts on the include path only when the compiler is not MSVC:
 * MSVC's C and C++ runtime headers include <sal.h> themselves and need MSVC's
 * own, which defines far more than drivers use. */
#ifndef WSKEMU_SAL_H
#define WSKEMU_SAL_H

/* Parameters */
#define _In_
#define _In_opt_
#define _In_z_
#define _In_opt_z_
#define _In_reads_(s)
#define _In_reads_opt_(s)
#define _In_reads_bytes_(s)
#define _In_reads_bytes_opt_(s)
#define _In_reads_z_(s)
#define _In_range_(l, h)
#define _Out_
#define _Out_opt_
#define _Out_writes_(s)
#define _Out_writes_opt_(s)
#define _Out_writes_bytes_(s)
#define _Out_writes_bytes_opt_(s)
#define _Out_writes_bytes_to_(s, c)
#define _Out_writes_bytes_to_opt_(s, c)
#define _Out_writes_to_(s, c)
#define _Out_writes_z_(s)
#define _Out_writes_bytes_all_(s)
#define _Outptr_
#define _Outptr_opt_
#define _Outptr_result_maybenull_
#define _Outptr_result_bytebuffer_(s)
#define _Out_range_(l, h)
#define _Inout_
#define _Inout_opt_
#define _Inout_z_
#define _Inout_updates_(s)
#define _Inout_updates_opt_(s)
#define _Inout_updates_bytes_(s)
#define _Inout_updates_bytes_opt_(s)
#define _Reserved_
#define _Pre_
#define _Post_
#define _Pre_notnull_
#define _Pre_maybenull_
#define _Post_invalid_
#define _Post_ptr_invalid_
#define _Post_valid_
#define _Post_z_
#define _Post_writable_byte_size_(s)
#define _Post_maybenull_
#define _Post_satisfies_(e)
#define _Pre_satisfies_(e)
#define _Field_size_(s)
#define _Field_size_opt_(s)
#define _Field_size_bytes_(s)
#define _Field_size_bytes_opt_(s)
#define _Field_size_bytes_part_(s, c)
#define _Field_range_(l, h)
#define _Field_z_
#define _Frees_ptr_
#define _Frees_ptr_opt_
#define _Deref_out_range_(l, h)
#define _Deref_pre_maybenull_
#define _Deref_post_maybenull_
#define _Notnull_
#define _Maybenull_
#define _Null_terminated_
#define _NullNull_terminated_
#define _Printf_format_string_
#define _Readable_bytes_(s)
#define _Writable_bytes_(s)
#define _Literal_
#define _Points_to_data_
#define _Interlocked_operand_
#define _Strict_type_match_
#define _Analysis_assume_(e)
#define _Analysis_mode_(m)
#define _Analysis_noreturn_
#define _Unreferenced_parameter_

/* Return values and functions */
#define _Check_return_
#define _Must_inspect_result_
#define _Success_(e)
#define _Return_type_success_(e)
#define _Ret_maybenull_
#define _Ret_notnull_
#define _Ret_z_
#define _Ret_range_(l, h)
#define _Result_nullonfailure_
#define _Result_zeroonfailure_
#define _Always_(a)
#define _When_(c, a)
#define _At_(t, a)
#define _At_buffer_(t, i, c, a)
#define _On_failure_(a)
#define _Group_(a)
#define _Use_decl_annotations_
#define _Function_class_(c)
#define _Requires_lock_held_(l)
#define _Requires_lock_not_held_(l)
#define _Acquires_lock_(l)
#define _Releases_lock_(l)
#define _Acquires_exclusive_lock_(l)
#define _Releases_exclusive_lock_(l)
#define _Acquires_shared_lock_(l)
#define _Releases_shared_lock_(l)
#define _Guarded_by_(l)

/* Legacy annotations. libstdc++ uses __in, __out and friends as its own
 * identifiers, so C++ driver code does not get these (docs/porting.md). */
#ifndef __cplusplus
#define __in
#define __in_opt
#define __out
#define __out_opt
#define __inout
#define __inout_opt
#define __deref_out
#define __in_bcount(s)
#define __out_bcount(s)
#define __checkReturn
#define __reserved
#define __nullterminated
#endif

#endif /* WSKEMU_SAL_H */
