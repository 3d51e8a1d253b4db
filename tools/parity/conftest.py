def pytest_configure(config):
    config.addinivalue_line("markers", "torch: needs torch/transformers/peft (tools/parity/.venv); "
                                       "deselect with -m 'not torch'")
