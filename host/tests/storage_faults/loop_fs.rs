//! A real ext4 file system for the storage-fault tests: a sparse image file on a loop
//! device, mounted `errors=remount-ro`, that a test can fill, make read-only, or fail as a
//! power cut does, and that is unmounted and detached however the test ends.

use std::path::{Path, PathBuf};
use std::process::Command;

const NEEDS: &str = "the storage-fault tests need root, loop devices (/dev/loop-control), \
                     mkfs.ext4, e2fsck and mount, as CI has; set HELLOWORD_SKIP_LOOP_TESTS=1 \
                     to skip them";

/// Run `program` with `args`: its standard output, or what went wrong.
pub fn run(program: &str, args: &[&str]) -> Result<String, String> {
    let output = Command::new(program)
        .args(args)
        .output()
        .map_err(|e| format!("{program}: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "{program} {} failed ({}): {}",
            args.join(" "),
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    Ok(String::from_utf8_lossy(&output.stdout).trim().to_string())
}

/// A temporary path as a command argument.
pub fn arg(p: &Path) -> &str {
    p.to_str().expect("temporary paths are UTF-8")
}

/// An ext4 file system mounted at `mount`. Dropping it unmounts it (with everything mounted
/// on top) and frees the device, so a failing test leaves nothing attached; a gateway using
/// it must be dropped first (declared later).
pub struct LoopFs {
    device: String,
    /// Where it is mounted.
    pub mount: PathBuf,
    mounted: bool,
}

impl LoopFs {
    /// A file system of `size_mb` in `dir` (image and mount point), or `None` when the
    /// caller asked to skip these tests (`HELLOWORD_SKIP_LOOP_TESTS=1`). Fails, naming what is
    /// missing, when it cannot be made.
    pub fn create_or_skip(dir: &Path, size_mb: u64, test: &str) -> Option<LoopFs> {
        if std::env::var("HELLOWORD_SKIP_LOOP_TESTS").as_deref() == Ok("1") {
            eprintln!(
                "{test}: skipped (HELLOWORD_SKIP_LOOP_TESTS=1); it needs root and loop devices"
            );
            return None;
        }
        Some(LoopFs::create(dir, size_mb).unwrap_or_else(|e| panic!("{NEEDS}: {e}")))
    }

    fn create(dir: &Path, size_mb: u64) -> Result<LoopFs, String> {
        let status = std::fs::read_to_string("/proc/self/status").map_err(|e| e.to_string())?;
        let euid = status
            .lines()
            .find_map(|l| l.strip_prefix("Uid:"))
            .and_then(|ids| ids.split_whitespace().nth(1))
            .unwrap_or("?");
        if euid != "0" {
            return Err(format!("running as uid {euid}, not root"));
        }
        if !Path::new("/dev/loop-control").exists() {
            return Err("there is no /dev/loop-control".into());
        }
        let image = dir.join("ext4.img");
        std::fs::File::create(&image)
            .and_then(|f| f.set_len(size_mb << 20))
            .map_err(|e| e.to_string())?;
        // No blocks reserved for root: the gateway runs as root here, and a full disk must be
        // full for it too.
        run("mkfs.ext4", &["-q", "-F", "-m", "0", arg(&image)])?;
        let device = run("losetup", &["--find", "--show", arg(&image)])?;
        let mut fs = LoopFs {
            device,
            mount: dir.join("mnt"),
            mounted: false,
        };
        std::fs::create_dir_all(&fs.mount).map_err(|e| e.to_string())?;
        fs.mount()?;
        Ok(fs)
    }

    /// Mount it (again).
    pub fn mount(&mut self) -> Result<(), String> {
        run(
            "mount",
            &["-o", "errors=remount-ro", &self.device, arg(&self.mount)],
        )?;
        self.mounted = true;
        Ok(())
    }

    /// Unmount it, with everything mounted on top.
    pub fn unmount(&mut self) {
        run("umount", &["-R", arg(&self.mount)]).unwrap();
        self.mounted = false;
    }

    /// The data folder the gateway is given.
    pub fn data(&self) -> PathBuf {
        self.mount.join("data")
    }

    /// Abort the journal, as a disk or power fault does: nothing more reaches the disk, and
    /// the kernel turns the file system read-only until it is checked and mounted again.
    pub fn trigger_fs_error(&self) {
        let name = self.device.rsplit('/').next().unwrap_or_default();
        let knob = format!("/sys/fs/ext4/{name}/trigger_fs_error");
        std::fs::write(&knob, "1").unwrap_or_else(|e| {
            panic!("{NEEDS}: writing {knob} (ext4 error injection) failed: {e}")
        });
    }

    /// `e2fsck -fy` on the unmounted file system (it replays the journal): its exit code, 0
    /// or 1 (errors corrected).
    pub fn fsck(&self) -> i32 {
        let output = Command::new("e2fsck")
            .args(["-fy", &self.device])
            .output()
            .unwrap_or_else(|e| panic!("{NEEDS}: e2fsck: {e}"));
        let code = output.status.code().unwrap_or(-1);
        assert!(
            code == 0 || code == 1,
            "e2fsck left errors ({code}):\n{}",
            String::from_utf8_lossy(&output.stdout)
        );
        code
    }

    /// Bytes free for writing.
    pub fn free_bytes(&self) -> u64 {
        let out = run("stat", &["-f", "-c", "%a %S", arg(&self.mount)]).unwrap();
        let mut fields = out.split_whitespace().map(|f| f.parse::<u64>().unwrap());
        fields.next().unwrap() * fields.next().unwrap()
    }

    /// Fill it until `leave` bytes are free, with one preallocated file; returns the file.
    pub fn fill(&self, leave: u64) -> PathBuf {
        let filler = self.mount.join("filler");
        let size = self.free_bytes().saturating_sub(leave);
        run("fallocate", &["-l", &size.to_string(), arg(&filler)]).unwrap();
        filler
    }

    /// Fill it to the last block: preallocate nearly all, then write until ENOSPC.
    pub fn fill_completely(&self) -> Vec<PathBuf> {
        use std::io::Write as _;
        let first = self.fill(1 << 20);
        let last = self.mount.join("filler-tail");
        let mut file = std::fs::File::create(&last).unwrap();
        for chunk in [64 << 10, 4 << 10] {
            while file.write_all(&vec![0u8; chunk]).is_ok() {}
        }
        vec![first, last]
    }
}

impl Drop for LoopFs {
    fn drop(&mut self) {
        if self.mounted && run("umount", &["-R", arg(&self.mount)]).is_err() {
            let _ = run("umount", &["-R", "-l", arg(&self.mount)]);
        }
        let _ = run("losetup", &["-d", &self.device]);
    }
}
