from django.apps import AppConfig


class KafkaIntegrationConfig(AppConfig):
    """The Kafka edge: message contract, consumer, producer and their commands."""

    name = "kafka_integration"
