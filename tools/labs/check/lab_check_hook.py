# Runs a learner's kafka-python program for `npm run lab:check` (tools/labs/check/): kafka's
# KafkaProducer and KafkaConsumer are wrapped before the program is imported, so that the checker
# learns what the program asked for (topic, key, flush, group, offset reset, commits) and the
# program talks to a private topic and group of this run instead of the shared ones.
#
#   python3 lab_check_hook.py <program.py>
#   LAB_CHECK_LOG      a file the hook appends one JSON line per event to
#   LAB_CHECK_TOPIC    the private topic that replaces `transactions`
#   LAB_CHECK_OTHER    the private topic that replaces any other topic name (a wrong topic)
#   LAB_CHECK_GROUP    the prefix of the private group that replaces the program's group id
#   LAB_CHECK_BROKERS  the broker list that replaces the program's bootstrap_servers
#   LAB_CHECK_RUN      the run id, put in a `lab-check-run` header of every record produced
import json
import os
import runpy
import sys
import time

import kafka

LOG = os.environ["LAB_CHECK_LOG"]
TOPIC = os.environ["LAB_CHECK_TOPIC"]
OTHER = os.environ["LAB_CHECK_OTHER"]
GROUP = os.environ["LAB_CHECK_GROUP"]
BROKERS = os.environ["LAB_CHECK_BROKERS"].split(",")
RUN = os.environ["LAB_CHECK_RUN"]
ASKED = "transactions"


def log(event, **fields):
    fields["event"] = event
    fields["at"] = time.time()
    with open(LOG, "a", encoding="utf-8") as f:
        f.write(json.dumps(fields, default=repr) + "\n")


def private(topic):
    return TOPIC if topic == ASKED else OTHER


def describe_key(key):
    if key is None:
        return None
    if isinstance(key, (bytes, bytearray)):
        return bytes(key).decode("utf-8", "replace")
    return str(key)


class KafkaProducer(kafka.KafkaProducer):
    def __init__(self, **configs):
        log("producer", servers=configs.get("bootstrap_servers"),
            value_serializer="value_serializer" in configs, key_serializer="key_serializer" in configs)
        configs["bootstrap_servers"] = BROKERS
        super().__init__(**configs)

    def send(self, topic, value=None, key=None, headers=None, partition=None, timestamp_ms=None):
        log("send", topic=topic, key=describe_key(key), valueType=type(value).__name__)
        headers = list(headers or []) + [("lab-check-run", RUN.encode("utf-8"))]
        try:
            return super().send(private(topic), value=value, key=key, headers=headers,
                                partition=partition, timestamp_ms=timestamp_ms)
        except Exception as err:
            log("send-error", message=f"{type(err).__name__}: {err}")
            raise

    def flush(self, timeout=None):
        log("flush")
        return super().flush(timeout)

    def close(self, timeout=None):
        # kafka-python closes every producer itself at exit (atexit, without waiting) and when it is
        # garbage-collected: only the program's own call counts.
        if sys._getframe(1).f_code.co_name not in ("wrapper", "__del__"):
            log("close")
        return super().close(timeout)


consumers = []


class KafkaConsumer(kafka.KafkaConsumer):
    def __init__(self, *topics, **configs):
        group = configs.get("group_id")
        log("consumer", topics=list(topics), group=group, servers=configs.get("bootstrap_servers"),
            offsetReset=configs.get("auto_offset_reset", "latest"),
            autoCommit=configs.get("enable_auto_commit", True))
        configs["bootstrap_servers"] = BROKERS
        if group is not None:
            configs["group_id"] = GROUP + "-" + str(group)
        self._lab_check_positioned = False
        super().__init__(*[private(t) for t in topics], **configs)
        consumers.append(self)

    def subscribe(self, topics=(), pattern=None, listener=None):
        if topics:
            log("subscribe", topics=list(topics))
            topics = [private(t) for t in topics]
        return super().subscribe(topics=topics, pattern=pattern, listener=listener)

    def poll(self, timeout_ms=0, max_records=None, update_offsets=True):
        # At most 0.5 s a call (the iterator polls again when it gets nothing), so that the first
        # return tells the checker that the consumer has its partitions and positions.
        records = super().poll(timeout_ms=min(timeout_ms, 500), max_records=max_records,
                               update_offsets=update_offsets)
        if not self._lab_check_positioned and self.assignment():
            self._lab_check_positioned = True
            log("positioned", partitions=len(self.assignment()))
        return records

    def commit(self, offsets=None):
        log("commit")
        return super().commit(offsets)

    def commit_async(self, offsets=None, callback=None):
        log("commit")
        return super().commit_async(offsets, callback)


# Every name a program may import them by (`from kafka.producer import KafkaProducer` too).
kafka.KafkaProducer = kafka.producer.KafkaProducer = kafka.producer.kafka.KafkaProducer = KafkaProducer
kafka.KafkaConsumer = kafka.consumer.KafkaConsumer = kafka.consumer.group.KafkaConsumer = KafkaConsumer

program = sys.argv[1]
sys.argv = sys.argv[1:]
sys.path.insert(0, os.path.dirname(os.path.abspath(program)))
log("start", program=program)
try:
    # The program's globals (its producer) are kept until exit, as when it runs on its own.
    program_globals = runpy.run_path(program, run_name="__main__")
except KeyboardInterrupt:
    # Ctrl-C (how the checker ends a consumer): its consumers leave their group, committing nothing
    # more, so that the checker can delete the private group without waiting out the session.
    log("interrupted")
    for consumer in consumers:
        try:
            consumer.close(autocommit=False)
        except Exception:  # noqa: BLE001 - closing is best effort, the program is ending anyway
            pass
    sys.exit(130)
log("end")
