"""Our own Messenger, WhatsApp/SMS (Twilio) and Telegram input channels.

Each is on only when its environment variables are set (README, "Social media
channels"); every webhook call is verified before it reaches Rasa, and replies
are sent with requests in a worker thread so the server is never blocked.
"""
