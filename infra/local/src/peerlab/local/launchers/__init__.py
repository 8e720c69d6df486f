"""Launchers of the real components the local stack and the tests run on loopback."""

from peerlab.local.launchers.moto_s3 import MotoS3Server
from peerlab.local.launchers.postgres import PostgresServer, PostgresUnavailable
from peerlab.local.launchers.tansu import TansuBroker, tansu_binary

__all__ = ["MotoS3Server", "PostgresServer", "PostgresUnavailable", "TansuBroker", "tansu_binary"]
