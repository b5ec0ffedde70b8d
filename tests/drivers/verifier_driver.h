/* Driver fragments that break one verifier rule each (docs/verifier.md), for
 * tests/kernel/verifier_rules_test.cpp and tests/conformance/wsk_verifier_test.cpp.
 * Every fragment takes Fixed: FALSE runs the bug, TRUE the same code done
 * right. *Object receives the object the rule is about, before the faulty
 * call, so that a test can check the report and clean up after a bug check. */
#ifndef WSKEMU_TEST_VERIFIER_DRIVER_H
#define WSKEMU_TEST_VERIFIER_DRIVER_H

#include <ntddk.h>
#include <wsk.h>

EXTERN_C_START

/* ---- IRPs, MDLs, pool, IRQL (no network) ---- */
VOID VfCompleteTwice(BOOLEAN Fixed, PVOID *Object);          /* irp.completed_twice */
VOID VfCancelFreedIrp(BOOLEAN Fixed, PVOID *Object);         /* irp.freed_access */
VOID VfCompletePending(BOOLEAN Fixed, PVOID *Object);        /* irp.completed_pending */
VOID VfCompleteWithCancelRoutine(BOOLEAN Fixed, PVOID *Object); /* irp.cancel_routine_at_completion */
VOID VfReuseNotAnIrp(BOOLEAN Fixed, PVOID *Object);          /* irp.not_an_irp */
VOID VfStackOverflow(BOOLEAN Fixed, PVOID *Object);          /* irp.stack_overflow */
VOID VfFreeLockedMdl(BOOLEAN Fixed, PVOID *Object);          /* mdl.freed_while_locked */
VOID VfLockNonPagedMdl(BOOLEAN Fixed, PVOID *Object);        /* mdl.nonpaged_then_locked */
VOID VfLockTwice(BOOLEAN Fixed, PVOID *Object);              /* mdl.already_locked */
VOID VfUnlockUnlocked(BOOLEAN Fixed, PVOID *Object);         /* mdl.not_locked */
VOID VfLockAtDispatch(BOOLEAN Fixed, PVOID *Object);         /* irql.function_maximum */
VOID VfPagedCodeUnderSpinLock(BOOLEAN Fixed, PVOID *Object); /* irql.paged_code */
VOID VfRoutineLeavesIrqlRaised(BOOLEAN Fixed, PVOID *Object); /* irql.not_restored */
VOID VfLowerToHigher(BOOLEAN Fixed, PVOID *Object);          /* irql.wrong_direction */
VOID VfAcquireTwice(BOOLEAN Fixed, PVOID *Object);           /* spinlock.already_owned */
VOID VfReleaseUnheld(BOOLEAN Fixed, PVOID *Object);          /* spinlock.not_owner */
VOID VfReleaseToWrongIrql(BOOLEAN Fixed, PVOID *Object);     /* spinlock.release_irql */
VOID VfFreeWithWrongTag(BOOLEAN Fixed, PVOID *Object);       /* pool.tag_mismatch */
VOID VfFreeTwice(BOOLEAN Fixed, PVOID *Object);              /* pool.double_free */
VOID VfFreeStackMemory(BOOLEAN Fixed, PVOID *Object);        /* pool.bad_free */

/* Objects a leaky fragment forgot, for the test to free afterwards. */
typedef struct _VF_LEAKS {
    PVOID Pool;
    PIRP Irp;
    PMDL Mdl;        /* also probed and locked */
    PUCHAR Buffer;   /* what Mdl describes (pool) */
} VF_LEAKS, *PVF_LEAKS;
/* leak.pool_block, leak.irp, leak.mdl, leak.locked_pages */
VOID VfLeakEverything(BOOLEAN Fixed, PVF_LEAKS Leaks);

/* ---- WSK (a registered client with a socket connected to a loopback peer) ---- */
typedef struct _VF_WSK {
    WSK_PROVIDER_NPI Provider;
    PWSK_SOCKET Socket;
    WSK_REGISTRATION *Registration;
} VF_WSK, *PVF_WSK;

NTSTATUS VfSendWithIrpOfStackSize(PVF_WSK Wsk, BOOLEAN Fixed, PVOID *Object);    /* irp.no_stack_location */
NTSTATUS VfResolveAtApcLevel(PVF_WSK Wsk, BOOLEAN Fixed, PVOID *Object);          /* irql.function_maximum */
NTSTATUS VfSendWithoutCompletionRoutine(PVF_WSK Wsk, BOOLEAN Fixed, PVOID *Object); /* irp.no_completion_routine */
NTSTATUS VfSendWithRoutineOnSuccessOnly(PVF_WSK Wsk, BOOLEAN Fixed, PVOID *Object); /* irp.invoke_flags */
NTSTATUS VfRoutineContinuesCompletion(PVF_WSK Wsk, BOOLEAN Fixed, PVOID *Object);   /* irp.completion_status */
NTSTATUS VfSendWithBadOffset(PVF_WSK Wsk, BOOLEAN Fixed, PVOID *Object);            /* mdl.wsk_buf_offset */
NTSTATUS VfSendPastTheChain(PVF_WSK Wsk, BOOLEAN Fixed, PVOID *Object);             /* mdl.wsk_buf_past_chain */

/* A receive left pending (the peer has sent nothing); the fragment then
 * breaks a rule on its IRP or MDL. PeerSends is called once the rule is
 * broken (or not) to let the receive complete; the fragment waits for it. */
typedef VOID (*VF_PEER_SENDS)(PVOID Context);
NTSTATUS VfReuseIrpOfPendingReceive(PVF_WSK Wsk, BOOLEAN Fixed, VF_PEER_SENDS PeerSends, PVOID Context,
                                    PVOID *Object); /* irp.pending_reused */
NTSTATUS VfIoReuseIrpWhilePending(PVF_WSK Wsk, BOOLEAN Fixed, VF_PEER_SENDS PeerSends, PVOID Context,
                                  PVOID *Object); /* irp.reuse_while_pending */
NTSTATUS VfIoFreeIrpWhilePending(PVF_WSK Wsk, BOOLEAN Fixed, VF_PEER_SENDS PeerSends, PVOID Context,
                                 PVOID *Object); /* irp.free_while_pending */
NTSTATUS VfFreeMdlWhilePending(PVF_WSK Wsk, BOOLEAN Fixed, VF_PEER_SENDS PeerSends, PVOID Context,
                               PVOID *Object); /* mdl.freed_while_pending */
NTSTATUS VfUnlockMdlWhilePending(PVF_WSK Wsk, BOOLEAN Fixed, VF_PEER_SENDS PeerSends, PVOID Context,
                                 PVOID *Object); /* mdl.unlocked_while_pending */

/* A send left pending (the peer does not read); the fragment writes into the
 * buffer before it completes. PeerReads lets it complete. */
NTSTATUS VfModifyPendingSend(PVF_WSK Wsk, BOOLEAN Fixed, ULONG Length, VF_PEER_SENDS PeerReads, PVOID Context,
                             PVOID *Object); /* buffer.modified_while_pending */

/* A receive pending, its completion routine held until the close is issued;
 * while the close is pending, a second WskCloseSocket or a WskSend. The
 * socket is closed when these return. */
NTSTATUS VfCloseTwice(PVF_WSK Wsk, BOOLEAN Fixed, PVOID *Object);        /* socket.close_twice */
NTSTATUS VfSendWhileClosing(PVF_WSK Wsk, BOOLEAN Fixed, PVOID *Object);  /* socket.call_while_closing */
NTSTATUS VfSendAfterClose(PVF_WSK Wsk, BOOLEAN Fixed, PVOID *Object);    /* socket.not_live */
/* Calls the connection table's WskSend on Socket, which may be of another category. */
NTSTATUS VfSendThroughConnectionTable(PWSK_SOCKET Socket, BOOLEAN Fixed, PVOID *Object); /* socket.wrong_category */

/* WskRelease of an indication list: twice (indication.released_twice), on
 * another socket (indication.wrong_socket), or never before close
 * (indication.not_released; the fragment closes the socket). */
NTSTATUS VfReleaseIndicationTwice(PVF_WSK Wsk, PWSK_DATA_INDICATION List, BOOLEAN Fixed);
NTSTATUS VfReleaseIndicationOnOtherSocket(PVF_WSK Wsk, PWSK_SOCKET Other, PWSK_DATA_INDICATION List, BOOLEAN Fixed);
NTSTATUS VfCloseWithIndicationRetained(PVF_WSK Wsk, PWSK_DATA_INDICATION List, BOOLEAN Fixed);

/* Registration: each fragment registers its own block. */
VOID VfDeregisterWithSocketOpen(BOOLEAN Fixed, PVOID *Object, PWSK_SOCKET *LeftOpen); /* wsk.deregister_blocked */
NTSTATUS VfSocketAfterRelease(BOOLEAN Fixed, PVOID *Object);   /* wsk.call_without_capture */
VOID VfRegisterTwice(BOOLEAN Fixed, PVOID *Object);            /* wsk.registered_twice */
VOID VfDeregisterTwice(BOOLEAN Fixed, PVOID *Object);          /* wsk.not_registered */
VOID VfReleaseTwice(BOOLEAN Fixed, PVOID *Object);             /* wsk.released_more_than_captured */
NTSTATUS VfSocketWithStaleClient(BOOLEAN Fixed, PVOID *Object); /* wsk.unknown_client */
/* leak.socket, leak.registration: returns the registration block (pool) and
 * socket it forgot; NULL when Fixed. */
VOID VfForgetSocketAndRegistration(BOOLEAN Fixed, WSK_REGISTRATION **Registration, PWSK_SOCKET *Socket);

EXTERN_C_END

#endif
