"""Custom Rasa input channels (channels.wechat.WeChatInput: WeChat official account)."""
