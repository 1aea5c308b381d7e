# A solution to exercises/producer.py: the lecture's producer, keyed by store, flushed, and
# printing where each record landed. npm run lab:check -- producer exercises/solutions/producer.py
import json

from kafka import KafkaProducer

producer = KafkaProducer(
    bootstrap_servers="localhost:9092",
    key_serializer=lambda k: k.encode("utf-8"),
    value_serializer=lambda v: json.dumps(v).encode("utf-8"),
)

transactions = [
    {"id": "TX5001", "amount": 1250.00, "store": "Warsaw", "type": "purchase"},
    {"id": "TX5002", "amount": 89.99, "store": "Krakow", "type": "purchase"},
    {"id": "TX5003", "amount": 40.00, "store": "Warsaw", "type": "refund"},
]

for transaction in transactions:
    # The store as key: one store, one partition, so its transactions are read in this order.
    future = producer.send("transactions", key=transaction["store"], value=transaction)
    meta = future.get(timeout=10)
    print(f"Sent: {transaction['id']} to partition {meta.partition} at offset {meta.offset}")

producer.flush()
