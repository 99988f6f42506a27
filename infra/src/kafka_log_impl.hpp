#pragma once

/// The Kafka log's implementation (private to infra): the log with its
/// mirror (kafka_log.cpp) and the transactional writer of one partition
/// (kafka_writer.cpp).

#include "kafka_client.hpp"
#include "log_store.hpp"
#include "portal/infra/crypto.hpp"
#include "portal/infra/kafka_log.hpp"

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace portal::infra::detail {

class kafka_event_log;

/// One event read from the events topic, waiting until its append is
/// complete.
struct mirrored_record
{
    std::uint32_t partition = 0;
    std::int64_t offset = 0;
    std::uint64_t index = 0;
    std::uint64_t count = 0;
    std::string stream;
    std::uint64_t version = 0;
    std::string partition_key;
    std::string command_id;
    std::string envelope;
    /// The subjects whose sealed personal data the envelope carries.
    std::vector<std::string> sealed_subjects;
    /// The subject an erasing event destroys.
    std::optional<std::string> erased_subject;
};

/// A record of the keys topic: subject -> 32-byte key, or empty (erased).
struct key_record
{
    std::string subject;
    std::string key;
};

/// One append waiting for its partition's writer.
struct write_item
{
    events::append_request request;
    std::vector<events::event_payload> payloads;
    /// Called once with the outcome, on the writer's thread (or the
    /// stopping thread). Not called for a command from the commands topic
    /// whose partition this instance lost (its next owner answers it).
    std::function<void(result<events::append_result>)> done;
    /// For a command read from the commands topic: its offset there. The
    /// writer commits it with the command's events in one transaction.
    std::optional<std::int64_t> command_offset;
};

/// The single writer of one partition: two transactional producers whose
/// transactional.ids belong to the partition (`<topic>.<p>` and
/// `<topic>.<p>.alt`), both fenced by a claim, and a thread that commits
/// queued appends in groups, one transaction per group, the producers taking
/// turns. Taking turns: the coordinator completes a commit (writes its
/// markers) after answering it, and an AddPartitionsToTxn of the same
/// transactional.id before that is refused with CONCURRENT_TRANSACTIONS,
/// which librdkafka 2.0.2 retries after a fixed 20 ms; the other producer's
/// last commit lies a whole group back.
///
/// Pipelined: the deciding thread does not wait for the mirror. A committed
/// group's stream heads and command results go into an overlay ("committed,
/// not yet mirrored") that the next groups' decisions consult before the
/// mirror's store, and the group goes to a second thread, the answerer,
/// which waits until the mirror has the group's events and answers it with
/// their positions: groups are answered in commit order, each only once its
/// events (and those of every group before it) are in the local mirror.
/// Entries leave the overlay once the answerer saw them mirrored. At most
/// `kafka_log_options::max_groups_in_flight` groups are committed and not
/// yet answered; with 1 (the default) there is no answerer: the deciding
/// thread waits for the mirror and answers each group before the next.
/// With 2, a producer's next transaction begins after its last group is
/// mirrored (its markers are written); with more it may begin before and
/// meet CONCURRENT_TRANSACTIONS (the 20 ms retry above).
class partition_writer
{
  public:
    partition_writer(kafka_event_log& log, std::uint32_t partition);
    ~partition_writer() { stop(); }

    /// Creates the producer, fences the previous owner (init_transactions)
    /// and waits until the mirror has the partition up to its end.
    result<void> claim();
    void start();
    /// Fails queued appends and joins the thread. `revoked`: the partition
    /// moved to another instance: local appends fail with `log.not_owner`
    /// (nothing of them was written; the log sends them to the new owner),
    /// queued commands of the commands topic are dropped unanswered.
    void stop(bool revoked = false);

    result<events::append_result> submit(events::append_request request,
                                         std::vector<events::event_payload> payloads);
    /// Queues `item` without waiting; false when the writer stopped.
    bool enqueue(std::unique_ptr<write_item> item);

  private:
    enum class state
    {
        ready,
        needs_claim, ///< the outcome of a transaction or the mirror is unknown
        fenced,      ///< another writer took the partition: permanent
    };

    /// A record to produce.
    struct outgoing
    {
        const events::append_request* request = nullptr;
        std::string event_type;
        std::uint64_t version = 0;
        std::uint64_t index = 0;
        std::uint64_t count = 0;
        std::string envelope;
    };

    /// A delivery report.
    struct delivery
    {
        bool reported = false;
        rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
        std::int64_t offset = -1;
    };
    static void on_delivery(rd_kafka_t*, const rd_kafka_message_t* m, void*);

    /// A group after its decision (and transaction), on its way to its
    /// callers through the answerer.
    struct decided_group
    {
        std::vector<std::unique_ptr<write_item>> items;
        std::vector<std::optional<result<events::append_result>>> results;
        /// Answered with the result of an earlier item of the same group.
        std::vector<std::optional<std::size_t>> duplicate_of;
        /// The result's positions come from the mirror: an append of this
        /// group, or a duplicate of an append still in the overlay.
        std::vector<bool> needs_positions;
        /// The offset of the group's last record when it committed some.
        std::optional<std::int64_t> last_offset;
        /// Its overlay entries' sequence number (0: none).
        std::uint64_t seq = 0;
        std::chrono::steady_clock::time_point deadline;
    };

    /// What a committed, not yet mirrored group changed, for the decisions
    /// of the next groups.
    struct overlay_head
    {
        events::stream_head head;
        std::uint64_t seq = 0;
    };
    struct overlay_command
    {
        events::append_result result; ///< without positions
        std::uint64_t seq = 0;
    };
    /// A subject key made (or destroyed: empty) by a committed group.
    struct overlay_key
    {
        std::string key;
        std::uint64_t seq = 0;
    };
    struct overlay_group
    {
        std::uint64_t seq = 0;
        std::vector<std::string> streams;
        std::vector<std::string> commands;
        std::vector<std::string> subjects;
    };

    void loop();
    void process(std::vector<std::unique_ptr<write_item>> group);
    /// Hands `group` to the answerer (counts it in flight).
    void pass_on(decided_group group);
    /// The answerer's thread: settles the groups in order.
    void answer_loop();
    /// Waits until the mirror has `group`'s events (unless a wait failed
    /// before) and answers it.
    void settle(decided_group& group);
    /// Fills the positions (or `failure`) into `group`'s results and
    /// answers its callers.
    void answer(decided_group& group, const std::optional<error>& failure);
    /// Drops the overlay entries of the groups the mirror has now.
    void prune_overlay();
    void clear_overlay();
    /// When a mirror wait failed: waits until the answerer has failed
    /// every group in flight, clears the failure and returns true.
    bool take_pipeline_failure();
    /// Produces `records` in one transaction and commits it; returns the
    /// offset of the last record. On failure sets `state_`.
    /// With `command_offset`, the commands topic's partition is committed
    /// up to it (exclusive) in the same transaction. Without records,
    /// returns -1. `keys` go to the keys topic in the same transaction.
    result<std::int64_t> produce_and_commit(const std::vector<outgoing>& records,
                                            const std::vector<key_record>& keys,
                                            std::optional<std::int64_t> command_offset);
    /// The error of a failed transactional call; updates `state_`.
    error transaction_failed(rd_kafka_error_t* raw, std::string_view what, bool in_transaction);
    error fenced_error() const;

    kafka_event_log& log_;
    std::uint32_t partition_;
    std::array<std::string, 2> transactional_ids_;
    std::array<kafka::client_ptr, 2> producers_;
    /// The producer of the next transaction (index into `producers_`).
    std::size_t turn_ = 0;
    /// The producer of the current transaction.
    rd_kafka_t* current_ = nullptr;
    state state_ = state::needs_claim;

    std::mutex queue_mu_;
    std::condition_variable queue_cv_;
    std::deque<std::unique_ptr<write_item>> queue_;
    bool stopping_ = false;
    bool revoked_ = false;
    std::thread thread_;

    // The overlay: owned by the deciding thread (and `claim`, which clears
    // it). A stream's or command's entry is the latest group's.
    std::unordered_map<std::string, overlay_head> overlay_heads_;
    std::unordered_map<std::string, overlay_command> overlay_commands_;
    std::unordered_map<std::string, overlay_key> overlay_keys_;
    std::deque<overlay_group> overlay_groups_;
    std::uint64_t next_seq_ = 1;
    /// The sequence number of the last group the answerer saw mirrored.
    std::atomic<std::uint64_t> mirrored_seq_{ 0 };

    // The answerer.
    std::mutex answer_mu_;
    std::condition_variable answer_cv_;
    std::deque<decided_group> answers_;
    /// Groups passed on and not answered yet (queued or being answered).
    std::size_t in_flight_ = 0;
    /// A mirror wait failed: every group in flight fails with it until
    /// the deciding thread has taken it (and claims again).
    std::optional<error> pipeline_failure_;
    bool answer_stopping_ = false;
    std::thread answerer_;
};

/// The Kafka log.
class kafka_event_log final : public kafka_log
{
  public:
    kafka_event_log(kafka_log_options options, std::unique_ptr<log_store> store);
    ~kafka_event_log() override;

    result<void> start_mirror();
    result<void> start_writers();
    /// Group ownership: the command results consumer, then the processors'
    /// consumer group.
    result<void> start_group();

    result<events::append_result> append(events::append_request request) override;
    result<std::vector<events::recorded_event>> read_stream(std::string_view stream,
                                                            std::uint64_t from_version,
                                                            std::size_t max) override
    {
        return store_->read_stream(stream, from_version, max);
    }
    result<std::vector<events::recorded_event>> read_all(events::position after,
                                                         std::size_t max) override
    {
        return store_->read_all(after, max);
    }
    result<std::vector<events::recorded_event>> read_all_stored(events::position after,
                                                                std::size_t max) override
    {
        return store_->read_all_stored(after, max);
    }
    std::uint64_t erasure_epoch() const override { return store_->erasure_epoch(); }
    result<std::unique_ptr<events::subscription>> subscribe(events::position after,
                                                            events::event_handler handler) override
    {
        return store_->subscribe(after, std::move(handler));
    }
    result<events::stream_head> head(std::string_view stream) override
    {
        return store_->head(stream);
    }
    result<std::optional<events::append_result>> find_command(std::string_view command_id) override
    {
        return store_->find_command(command_id);
    }
    events::position last_position() const override { return store_->last_position(); }
    std::vector<std::int64_t> partition_offsets() const override;
    std::vector<std::uint32_t> owned_partitions() const override;
    result<void> wait_for_offsets(const std::vector<std::int64_t>& offsets,
                                  std::chrono::milliseconds timeout) override;
    result<std::optional<events::partition_offset>> offset_of(events::position p) override;
    result<events::position> await_offset(events::partition_offset at,
                                          std::chrono::steady_clock::time_point deadline) override;
    result<events::position> await_end(std::chrono::steady_clock::time_point deadline) override;

    // For the writers.
    const kafka_log_options& options() const { return options_; }
    const std::string& topic() const { return topic_; }
    log_store& store() { return *store_; }
    /// Waits until the mirror has read `partition` up to `offset`
    /// (exclusive).
    result<void> wait_mirrored(std::uint32_t partition,
                               std::int64_t offset,
                               std::chrono::steady_clock::time_point deadline);
    /// The partition's end (its high watermark) as the broker says now.
    result<std::int64_t> end_offset(std::uint32_t partition);
    /// The high watermark of `topic`'s `partition`; retries while the
    /// partition has no leader, until `deadline` (default: within the
    /// timeout).
    result<std::int64_t> high_watermark(
      const std::string& topic,
      std::uint32_t partition,
      std::optional<std::chrono::steady_clock::time_point> deadline = std::nullopt);
    /// Waits until the mirror has every partition up to its current end.
    result<void> catch_up();
    /// The keys topic (`<prefix>.keys`, one partition, compacted).
    const std::string& keys_topic() const { return keys_topic_; }
    /// Waits until the mirror has the keys topic up to its current end (a
    /// writer, before it makes a new subject key: a key another writer made
    /// is then in the store).
    result<void> wait_keys_mirrored(std::chrono::steady_clock::time_point deadline);
    /// The offset up to which the mirror has read `partition`.
    std::int64_t mirrored(std::uint32_t partition) const { return consumed_[partition].load(); }
    /// The processors' group metadata of the current assignment (for
    /// send_offsets_to_transaction); null without group ownership.
    std::shared_ptr<rd_kafka_consumer_group_metadata_t> group_metadata() const;
    const std::string& commands_topic() const { return commands_topic_; }
    /// Sends a command's result to the instance waiting for it.
    void reply(const std::string& reply_to,
               const std::string& request_id,
               const result<events::append_result>& outcome,
               std::uint32_t partition);

  private:
    void mirror_loop();
    std::shared_ptr<partition_writer> writer_of(std::uint32_t partition) const;
    /// Sends `request` to the owner of `partition` and waits for its result.
    result<events::append_result> send_command(events::append_request request,
                                               std::uint32_t partition);
    void results_loop();
    void processor_loop();
    void on_command(const rd_kafka_message_t* m);
    static void on_rebalance(rd_kafka_t* rk,
                             rd_kafka_resp_err_t err,
                             rd_kafka_topic_partition_list_t* partitions,
                             void* opaque);
    void assigned(rd_kafka_topic_partition_list_t* partitions);
    void revoked(rd_kafka_topic_partition_list_t* partitions);
    result<void> apply(const std::vector<kafka::message_ptr>& batch);
    result<mirrored_record> parse_record(const rd_kafka_message_t* m);
    /// Mirror thread: applies what the keys consumer has now.
    result<void> drain_keys();
    /// Mirror thread: reads the keys topic until `have_all` holds or it
    /// reached the topic's end (waiting while an open transaction holds
    /// the end back). Errors: storage, or the log closing.
    result<void> catch_up_keys(const std::function<bool()>& have_all);
    /// Mirror thread: writes key records into the store's `keys` family.
    result<void> apply_keys(const std::vector<kafka::message_ptr>& batch);
    result<void> apply_append(const std::vector<mirrored_record>& records,
                              rocksdb::WriteBatch& wb,
                              std::unordered_map<std::string, events::stream_head>& staged,
                              std::unordered_set<std::string>& staged_commands,
                              std::uint64_t& pos);

    static constexpr std::size_t k_mirror_batch = 2048;

    kafka_log_options options_;
    std::string topic_;
    std::unique_ptr<log_store> store_;
    kafka::client_ptr consumer_;
    std::string keys_topic_;
    /// The keys topic's consumer (read_committed, assigned), polled by the
    /// mirror thread.
    kafka::client_ptr keys_consumer_;
    /// The next offset of the keys topic the mirror reads.
    std::atomic<std::int64_t> keys_consumed_{ 0 };
    /// Set by `apply_append` when the batch erases subjects.
    bool batch_erases_ = false;

    std::thread mirror_;
    mutable std::mutex mirror_mu_;
    std::condition_variable mirror_cv_;
    bool mirror_stopping_ = false;
    std::optional<error> mirror_failure_;
    /// Per partition: the next offset the mirror reads (all before it are
    /// in the store).
    std::vector<std::atomic<std::int64_t>> consumed_;

    // Owned by the mirror thread.
    std::vector<std::vector<mirrored_record>> pending_;
    std::uint64_t next_position_ = 1;

    /// Index = partition; null where this instance does not write.
    mutable std::mutex writers_mu_;
    std::vector<std::shared_ptr<partition_writer>> writers_;

    // Group ownership.
    std::string commands_topic_;
    std::string results_topic_;
    /// Sends commands and results (idempotent, not transactional).
    kafka::client_ptr sender_;
    kafka::client_ptr results_consumer_;
    kafka::client_ptr processor_;
    std::thread results_thread_;
    std::thread processor_thread_;
    std::atomic<bool> group_stopping_{ false };
    mutable std::mutex group_mu_;
    std::shared_ptr<rd_kafka_consumer_group_metadata_t> group_metadata_;
    /// Commands sent and waiting for their results, by request id.
    std::mutex pending_mu_;
    std::unordered_map<std::string, std::shared_ptr<std::promise<std::string>>> pending_requests_;
};

} // namespace portal::infra::detail
