"""`vcd` (vcd-cli 24.0.1) as its console script runs it, minus the script's pkg_resources check of vcd-cli's declared
dependencies (see requirements.txt): importing vcd_cli.vcd registers every command group, as the script does."""
from vcd_cli.vcd import vcd

if __name__ == '__main__':
    vcd(prog_name='vcd')
