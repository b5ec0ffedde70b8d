// Tests for src/kernel/rtl_slist.cpp: SLISTs and the ExInterlocked lists.
#include <wdm.h>

#include <gtest/gtest.h>
#include <wskemu/bug_check.hpp>

#include <set>
#include <thread>
#include <vector>

namespace {

struct item {
    SLIST_ENTRY entry;
    int value;
};

TEST(InterlockedPushEntrySList, IsLastInFirstOutAndCountsDepth) {
    SLIST_HEADER head;
    memset(&head, 0xCC, sizeof(head));
    InitializeSListHead(&head);
    EXPECT_EQ(QueryDepthSList(&head), 0);
    EXPECT_EQ(FirstEntrySList(&head), nullptr);
    item a{{}, 1};
    item b{{}, 2};
    EXPECT_EQ(InterlockedPushEntrySList(&head, &a.entry), nullptr);
    EXPECT_EQ(InterlockedPushEntrySList(&head, &b.entry), &a.entry);
    EXPECT_EQ(QueryDepthSList(&head), 2);
    EXPECT_EQ(ExQueryDepthSList(&head), 2);
    EXPECT_EQ(FirstEntrySList(&head), &b.entry);
    EXPECT_EQ(InterlockedPopEntrySList(&head), &b.entry);
    EXPECT_EQ(InterlockedPopEntrySList(&head), &a.entry);
    EXPECT_EQ(InterlockedPopEntrySList(&head), nullptr);
    EXPECT_EQ(QueryDepthSList(&head), 0);
}

TEST(InterlockedFlushSList, ReturnsTheChainAndEmptiesTheList) {
    SLIST_HEADER head;
    InitializeSListHead(&head);
    item a{{}, 1};
    item b{{}, 2};
    KSPIN_LOCK unused = 0;
    ExInterlockedPushEntrySList(&head, &a.entry, &unused);
    ExInterlockedPushEntrySList(&head, &b.entry, &unused);
    PSLIST_ENTRY chain = InterlockedFlushSList(&head);
    ASSERT_EQ(chain, &b.entry);
    EXPECT_EQ(chain->Next, &a.entry);
    EXPECT_EQ(a.entry.Next, nullptr);
    EXPECT_EQ(QueryDepthSList(&head), 0);
    EXPECT_EQ(ExInterlockedPopEntrySList(&head, &unused), nullptr);
}

TEST(InterlockedPopEntrySList, LosesNothingUnderContention) {
    constexpr int per_thread = 20'000;
    SLIST_HEADER head;
    InitializeSListHead(&head);
    std::vector<item> items(2 * per_thread);
    for (int i = 0; i < 2 * per_thread; ++i) {
        items[i].value = i;
    }
    // Each thread pushes its half, popping and re-pushing as it goes.
    auto work = [&](int first) {
        for (int i = first; i < first + per_thread; ++i) {
            InterlockedPushEntrySList(&head, &items[i].entry);
            if (PSLIST_ENTRY e = InterlockedPopEntrySList(&head)) {
                InterlockedPushEntrySList(&head, e);
            }
        }
    };
    std::thread a(work, 0);
    std::thread b(work, per_thread);
    a.join();
    b.join();
    EXPECT_EQ(QueryDepthSList(&head), static_cast<USHORT>(2 * per_thread));
    std::set<int> seen;
    while (PSLIST_ENTRY e = InterlockedPopEntrySList(&head)) {
        seen.insert(CONTAINING_RECORD(e, item, entry)->value);
    }
    EXPECT_EQ(seen.size(), static_cast<std::size_t>(2 * per_thread));
}

struct node {
    LIST_ENTRY link;
    int value;
};

TEST(InsertTailList, KeepsOrderAndRemoveReportsEmptiness) {
    LIST_ENTRY head;
    InitializeListHead(&head);
    EXPECT_TRUE(IsListEmpty(&head));
    node a{{}, 1};
    node b{{}, 2};
    node c{{}, 3};
    InsertTailList(&head, &a.link);
    InsertTailList(&head, &b.link);
    InsertHeadList(&head, &c.link);
    EXPECT_EQ(CONTAINING_RECORD(head.Flink, node, link)->value, 3);
    EXPECT_EQ(RemoveTailList(&head), &b.link);
    EXPECT_FALSE(RemoveEntryList(&c.link));
    EXPECT_EQ(RemoveHeadList(&head), &a.link);
    EXPECT_TRUE(IsListEmpty(&head));
}

TEST(AppendTailList, SplicesAHeadlessRing) {
    LIST_ENTRY head;
    InitializeListHead(&head);
    node a{{}, 1};
    node b{{}, 2};
    node c{{}, 3};
    InsertTailList(&head, &a.link);
    // b and c form a ring of their own with no head.
    InitializeListHead(&b.link);
    InsertTailList(&b.link, &c.link);
    AppendTailList(&head, &b.link);
    EXPECT_EQ(RemoveHeadList(&head), &a.link);
    EXPECT_EQ(RemoveHeadList(&head), &b.link);
    EXPECT_EQ(RemoveHeadList(&head), &c.link);
    EXPECT_TRUE(IsListEmpty(&head));
}

TEST(RemoveEntryList, CorruptLinksAreKernelSecurityCheckFailure) {
    LIST_ENTRY head;
    InitializeListHead(&head);
    node a{{}, 1};
    InsertTailList(&head, &a.link);
    EXPECT_TRUE(RemoveEntryList(&a.link));
    // A stale removal of the same entry once the list has moved on.
    node b{{}, 2};
    InsertTailList(&head, &b.link);
    try {
        wskemu::catch_bug_check([&] { RemoveEntryList(&a.link); });
        ADD_FAILURE() << "no bug check";
    } catch (const wskemu::bug_check_error& e) {
        EXPECT_EQ(e.code(), static_cast<std::uint32_t>(KERNEL_SECURITY_CHECK_FAILURE));
        EXPECT_EQ(e.parameters()[0], 3u);
    }
}

TEST(PushEntryList, IsLastInFirstOut) {
    SINGLE_LIST_ENTRY head{nullptr};
    SINGLE_LIST_ENTRY a;
    SINGLE_LIST_ENTRY b;
    PushEntryList(&head, &a);
    PushEntryList(&head, &b);
    EXPECT_EQ(PopEntryList(&head), &b);
    EXPECT_EQ(PopEntryList(&head), &a);
    EXPECT_EQ(PopEntryList(&head), nullptr);
}

TEST(ExInterlockedInsertTailList, ReturnsThePreviousEntryAndRestoresIrql) {
    KSPIN_LOCK lock;
    KeInitializeSpinLock(&lock);
    LIST_ENTRY head;
    InitializeListHead(&head);
    node a{{}, 1};
    node b{{}, 2};
    EXPECT_EQ(ExInterlockedInsertTailList(&head, &a.link, &lock), nullptr);
    EXPECT_EQ(ExInterlockedInsertTailList(&head, &b.link, &lock), &a.link);
    node c{{}, 3};
    EXPECT_EQ(ExInterlockedInsertHeadList(&head, &c.link, &lock), &a.link);
    EXPECT_EQ(ExInterlockedRemoveHeadList(&head, &lock), &c.link);
    EXPECT_EQ(ExInterlockedRemoveHeadList(&head, &lock), &a.link);
    EXPECT_EQ(ExInterlockedRemoveHeadList(&head, &lock), &b.link);
    EXPECT_EQ(ExInterlockedRemoveHeadList(&head, &lock), nullptr);
    SINGLE_LIST_ENTRY shead{nullptr};
    SINGLE_LIST_ENTRY s;
    EXPECT_EQ(ExInterlockedPushEntryList(&shead, &s, &lock), nullptr);
    EXPECT_EQ(ExInterlockedPopEntryList(&shead, &lock), &s);
    EXPECT_EQ(KeGetCurrentIrql(), PASSIVE_LEVEL);
    EXPECT_TRUE(KeTestSpinLock(&lock));
}

}  // namespace
