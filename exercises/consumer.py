# Lab: a consumer (kafka-python), as in the lecture. Fill in the TODOs, then check it:
#   npm run lab:check -- consumer exercises/consumer.py
# The checker writes three transactions before it starts the program and three while it runs, and
# expects all six printed, each with its offset.
import json

from kafka import KafkaConsumer

consumer = KafkaConsumer(
    "transactions",
    bootstrap_servers="localhost:9092",
    # TODO 1: a new consumer starts at the end of the topic: make it read from the beginning.
    # TODO 2: join a consumer group (group_id) so that the offsets it has read are committed.
    value_deserializer=lambda x: json.loads(x.decode("utf-8")),
)

print("Listening for transactions...")
for message in consumer:
    t = message.value
    # TODO 3: show where each record sits: its partition and offset (message.partition, message.offset).
    print(f"{t['id']}: {t['amount']} PLN ({t['store']})")
