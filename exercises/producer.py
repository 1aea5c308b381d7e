# Lab: a producer (kafka-python), as in the lecture. Fill in the two TODOs, then check it:
#   npm run lab:check -- producer exercises/producer.py
# The checker runs it against the local broker on a private topic and says what is right and wrong.
import json

from kafka import KafkaProducer

producer = KafkaProducer(
    bootstrap_servers="localhost:9092",
    value_serializer=lambda v: json.dumps(v).encode("utf-8"),
)

transaction = {
    "id": "TX5001",
    "amount": 1250.00,
    "store": "Warsaw",
    "type": "purchase",
}

# TODO 1: send `transaction` to the "transactions" topic. Key it by its store
#         (key=...encode("utf-8")) so that one store's transactions keep their order.
# TODO 2: send() only queues the record: make sure it has left before the script ends.

print(f"Sent: {transaction}")
