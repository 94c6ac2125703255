/** Domain documents for the import tests: what `virsh dumpxml` prints for a Nova instance, trimmed. */

export const NOVA_PROJECT = "8f3a1c2e4b5d4e6f8a9b0c1d2e3f4a5b";

/** A Nova instance with one device of each kind import maps. */
export function novaDomain(options: { name?: string; uuid?: string; project?: string; devices?: string } = {}): string {
  const name = options.name ?? "instance-0000002a";
  const uuid = options.uuid ?? "6F1C2A3E-0B7D-4A52-9A39-0B1F5C6D7E8F";
  const project = options.project ?? NOVA_PROJECT;
  return `<domain type='kvm' id='3'>
  <name>${name}</name>
  <uuid>${uuid}</uuid>
  <metadata>
    <nova:instance xmlns:nova="http://openstack.org/xmlns/libvirt/nova/1.1">
      <nova:name>web-01</nova:name>
      <nova:owner>
        <nova:user uuid="2b1e9c0d8f7a4e3b9c8d7e6f5a4b3c2d">alice</nova:user>
        <nova:project uuid="${project}">acme</nova:project>
      </nova:owner>
    </nova:instance>
  </metadata>
  <memory unit='KiB'>2097152</memory>
  <memoryBacking>
    <hugepages/>
  </memoryBacking>
  <os>
    <type arch='x86_64' machine='pc-q35-7.2'>hvm</type>
    <loader readonly='yes' type='pflash'>/usr/share/OVMF/OVMF_CODE_4M.fd</loader>
    <nvram template='/usr/share/OVMF/OVMF_VARS_4M.fd'>/var/lib/libvirt/qemu/nvram/${name}_VARS.fd</nvram>
    <kernel>/boot/vmlinuz-6.1.0-13-amd64</kernel>
    <initrd>/boot/initrd.img-6.1.0-13-amd64</initrd>
  </os>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2' cache='none'/>
      <source file='/var/lib/nova/instances/6f1c2a3e-0b7d-4a52-9a39-0b1f5c6d7e8f/disk'/>
      <backingStore type='file'>
        <format type='raw'/>
        <source file='/var/lib/nova/instances/_base/4b5c6d7e'/>
        <backingStore/>
      </backingStore>
      <target dev='vda' bus='virtio'/>
    </disk>
    <disk type='block' device='disk'>
      <source dev='/dev/vg0/acme-data'/>
      <target dev='vdb' bus='virtio'/>
      <shareable/>
    </disk>
    <disk type='file' device='cdrom'>
      <source file='/var/lib/nova/instances/6f1c2a3e-0b7d-4a52-9a39-0b1f5c6d7e8f/disk.config'/>
      <target dev='sda' bus='sata'/>
      <readonly/>
    </disk>
    <disk type='network' device='disk'>
      <source protocol='rbd' name='volumes/volume-1'>
        <host name='10.0.0.5' port='6789'/>
      </source>
      <target dev='vdc' bus='virtio'/>
    </disk>
    <filesystem type='mount' accessmode='passthrough'>
      <driver type='virtiofs'/>
      <binary path='/usr/libexec/virtiofsd'/>
      <source dir='/srv/acme/share'/>
      <target dir='share'/>
      <readonly/>
    </filesystem>
    <interface type='vhostuser'>
      <mac address='fa:16:3e:00:00:01'/>
      <source type='unix' path='/run/openvswitch/vhu0a1b2c3d-4e' mode='server'/>
      <model type='virtio'/>
    </interface>
    <interface type='bridge'>
      <source bridge='br-int'/>
      <target dev='tap0a1b2c3d-4e'/>
    </interface>
    <serial type='file'>
      <source path='/var/lib/nova/instances/6f1c2a3e-0b7d-4a52-9a39-0b1f5c6d7e8f/console.log'/>
      <log file='/var/lib/nova/instances/6f1c2a3e-0b7d-4a52-9a39-0b1f5c6d7e8f/serial.log' append='off'/>
      <target port='0'/>
    </serial>
    <console type='pty' tty='/dev/pts/3'>
      <source path='/dev/pts/3'/>
      <target type='serial' port='0'/>
    </console>
    <channel type='unix'>
      <source mode='bind' path='/var/lib/libvirt/qemu/channel/target/domain-3-${name}/org.qemu.guest_agent.0'/>
      <target type='virtio' name='org.qemu.guest_agent.0'/>
    </channel>
    <hostdev mode='subsystem' type='pci' managed='yes'>
      <source>
        <address domain='0x0000' bus='0x03' slot='0x00' function='0x1'/>
      </source>
    </hostdev>
    <hostdev mode='subsystem' type='usb' managed='no'>
      <source>
        <vendor id='0x046d'/>
        <product id='0xc52b'/>
      </source>
    </hostdev>
    <hostdev mode='subsystem' type='usb'>
      <source>
        <address bus='1' device='7'/>
      </source>
    </hostdev>
    <hostdev mode='subsystem' type='scsi'>
      <source>
        <adapter name='scsi_host2'/>
        <address bus='0' target='1' unit='3'/>
      </source>
    </hostdev>
    <tpm model='tpm-crb'>
      <backend type='emulator' version='2.0'/>
    </tpm>
    <memballoon model='virtio'/>
${options.devices ?? ""}  </devices>
</domain>
`;
}
