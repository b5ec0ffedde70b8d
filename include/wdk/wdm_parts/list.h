/* wskemu: doubly and singly linked list helpers (LIST_ENTRY,
 * SINGLE_LIST_ENTRY), header-inline as in the WDK, with the WDK's integrity
 * checks: a corrupt link is bug check KERNEL_SECURITY_CHECK_FAILURE (0x139)
 * with parameter 1 = 3 (FAST_FAIL_CORRUPT_LIST_ENTRY), reported by
 * wskemu_ListEntryCorrupt. Part of <wdm.h>; do not include directly. */
#ifndef WSKEMU_WDM_LIST_H
#define WSKEMU_WDM_LIST_H

#ifndef _NTDEF_
#include <ntdef.h>
#endif

EXTERN_C_START

#define FAST_FAIL_CORRUPT_LIST_ENTRY 3

/* Reports a corrupt LIST_ENTRY link found at Entry; does not return. */
NTKERNELAPI DECLSPEC_NORETURN VOID NTAPI wskemu_ListEntryCorrupt(PLIST_ENTRY Entry);

FORCEINLINE VOID InitializeListHead(PLIST_ENTRY ListHead) {
    ListHead->Flink = ListHead;
    ListHead->Blink = ListHead;
}

FORCEINLINE BOOLEAN IsListEmpty(const LIST_ENTRY *ListHead) { return (BOOLEAN)(ListHead->Flink == ListHead); }

/* Unlinks Entry; returns TRUE if the list is now empty. */
FORCEINLINE BOOLEAN RemoveEntryList(PLIST_ENTRY Entry) {
    PLIST_ENTRY next = Entry->Flink;
    PLIST_ENTRY prev = Entry->Blink;
    if (next->Blink != Entry || prev->Flink != Entry) {
        wskemu_ListEntryCorrupt(Entry);
    }
    prev->Flink = next;
    next->Blink = prev;
    return (BOOLEAN)(prev == next);
}

FORCEINLINE PLIST_ENTRY RemoveHeadList(PLIST_ENTRY ListHead) {
    PLIST_ENTRY entry = ListHead->Flink;
    PLIST_ENTRY next = entry->Flink;
    if (entry->Blink != ListHead || next->Blink != entry) {
        wskemu_ListEntryCorrupt(ListHead);
    }
    ListHead->Flink = next;
    next->Blink = ListHead;
    return entry;
}

FORCEINLINE PLIST_ENTRY RemoveTailList(PLIST_ENTRY ListHead) {
    PLIST_ENTRY entry = ListHead->Blink;
    PLIST_ENTRY prev = entry->Blink;
    if (entry->Flink != ListHead || prev->Flink != entry) {
        wskemu_ListEntryCorrupt(ListHead);
    }
    ListHead->Blink = prev;
    prev->Flink = ListHead;
    return entry;
}

FORCEINLINE VOID InsertHeadList(PLIST_ENTRY ListHead, PLIST_ENTRY Entry) {
    PLIST_ENTRY next = ListHead->Flink;
    if (next->Blink != ListHead) {
        wskemu_ListEntryCorrupt(ListHead);
    }
    Entry->Flink = next;
    Entry->Blink = ListHead;
    next->Blink = Entry;
    ListHead->Flink = Entry;
}

FORCEINLINE VOID InsertTailList(PLIST_ENTRY ListHead, PLIST_ENTRY Entry) {
    PLIST_ENTRY prev = ListHead->Blink;
    if (prev->Flink != ListHead) {
        wskemu_ListEntryCorrupt(ListHead);
    }
    Entry->Flink = ListHead;
    Entry->Blink = prev;
    prev->Flink = Entry;
    ListHead->Blink = Entry;
}

/* Splices the headless ring that ListToAppend belongs to onto the tail. */
FORCEINLINE VOID AppendTailList(PLIST_ENTRY ListHead, PLIST_ENTRY ListToAppend) {
    PLIST_ENTRY tail = ListHead->Blink;
    ListHead->Blink->Flink = ListToAppend;
    ListHead->Blink = ListToAppend->Blink;
    ListToAppend->Blink->Flink = ListHead;
    ListToAppend->Blink = tail;
}

FORCEINLINE PSINGLE_LIST_ENTRY PopEntryList(PSINGLE_LIST_ENTRY ListHead) {
    PSINGLE_LIST_ENTRY first = ListHead->Next;
    if (first != NULL) {
        ListHead->Next = first->Next;
    }
    return first;
}

FORCEINLINE VOID PushEntryList(PSINGLE_LIST_ENTRY ListHead, PSINGLE_LIST_ENTRY Entry) {
    Entry->Next = ListHead->Next;
    ListHead->Next = Entry;
}

/* Spin-lock protected list operations. They return the entry that was first
 * (insert) or the removed entry, or NULL for an empty list. */
NTKERNELAPI PLIST_ENTRY NTAPI ExInterlockedInsertHeadList(PLIST_ENTRY ListHead, PLIST_ENTRY ListEntry,
                                                          PKSPIN_LOCK Lock);
NTKERNELAPI PLIST_ENTRY NTAPI ExInterlockedInsertTailList(PLIST_ENTRY ListHead, PLIST_ENTRY ListEntry,
                                                          PKSPIN_LOCK Lock);
NTKERNELAPI PLIST_ENTRY NTAPI ExInterlockedRemoveHeadList(PLIST_ENTRY ListHead, PKSPIN_LOCK Lock);
NTKERNELAPI PSINGLE_LIST_ENTRY NTAPI ExInterlockedPushEntryList(PSINGLE_LIST_ENTRY ListHead,
                                                                PSINGLE_LIST_ENTRY ListEntry, PKSPIN_LOCK Lock);
NTKERNELAPI PSINGLE_LIST_ENTRY NTAPI ExInterlockedPopEntryList(PSINGLE_LIST_ENTRY ListHead, PKSPIN_LOCK Lock);

EXTERN_C_END

#endif /* WSKEMU_WDM_LIST_H */
