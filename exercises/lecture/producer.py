from kafka import KafkaProducer
import json
producer = KafkaProducer(
    bootstrap_servers="localhost:9092",
    value_serializer=lambda v: json.dumps(v).encode('utf-8')
)
transaction = {
    "id": "TX5001",
    "amount": 1250.00,
    "store": "Warsaw",
    "type": "purchase"
}
producer.send("transactions", value=transaction)
producer.flush()
print(f"Sent: {transaction}")
