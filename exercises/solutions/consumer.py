# A solution to exercises/consumer.py: the lecture's consumer in a group, from the earliest offset,
# printing each record's partition and offset. npm run lab:check -- consumer exercises/solutions/consumer.py
import json

from kafka import KafkaConsumer

consumer = KafkaConsumer(
    "transactions",
    bootstrap_servers="localhost:9092",
    group_id="lab-consumer",
    auto_offset_reset="earliest",
)

print("Listening for transactions...")
for message in consumer:
    # Decoded here rather than in a value_deserializer, so that one record that is not JSON is
    # reported and skipped instead of stopping the consumer.
    try:
        t = json.loads(message.value.decode("utf-8"))
        line = f"{t['id']}: {t['amount']} PLN ({t['store']})"
    except (ValueError, KeyError, TypeError) as err:
        line = f"skipped, not a transaction: {err}"
    print(f"[partition={message.partition} offset={message.offset}] {line}")
