"""The wire format REST and sync share: marshmallow fields and record representations."""
