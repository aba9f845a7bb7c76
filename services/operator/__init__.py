"""Operator tools: inspecting and replaying what failed (`aftersale dlq`)."""
