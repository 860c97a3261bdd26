//! The app's screen flows (core's `app` module) for the shells: one [`AppFlows`] per app. The
//! view models, events and effects are core's own types (derived for uniffi behind core's
//! `uniffi` feature: written once, in `quetma_core::app`); this file only locks and forwards.
//!
//! Taps and frames may come from different threads: they take turns on one lock. Network tasks
//! run outside it, so a slow sync never holds up a frame.

use std::sync::{Arc, Mutex, MutexGuard};

use quetma_core::app::{App, AppOptions, AppTask, UiEvent, Update};
use quetma_core::scan::LumaFrame;
use quetma_core::sync::CancelToken;

use crate::app::QuetMaApp;
use crate::error::{QuetMaError, Result};
use crate::scanner::{Rotation, frame_error};

/// Every screen of the app, driven by events; see `quetma_core::app`.
#[derive(uniffi::Object)]
pub struct AppFlows {
    app: Mutex<App>,
}

impl std::fmt::Debug for AppFlows {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppFlows").finish_non_exhaustive()
    }
}

impl AppFlows {
    fn lock(&self) -> Result<MutexGuard<'_, App>> {
        self.app
            .lock()
            .map_err(|_| QuetMaError::internal("app lock poisoned"))
    }
}

#[uniffi::export]
impl QuetMaApp {
    /// The screen flows over this app's store (make one per process).
    pub fn flows(&self, options: AppOptions) -> Result<Arc<AppFlows>> {
        let (trust, sealing) = self.with_keys(|k| Ok((k.trust.clone(), k.sealing.clone())))?;
        let app = App::new(
            self.store.clone(),
            trust,
            sealing,
            self.core_reset.clone(),
            options,
        );
        Ok(Arc::new(AppFlows {
            app: Mutex::new(app),
        }))
    }
}

#[uniffi::export(async_runtime = "tokio")]
impl AppFlows {
    /// The first screen, with what to do at start (sync, reminders, the reset notice).
    pub fn start(&self) -> Result<Update> {
        Ok(self.lock()?.start())
    }

    /// The current screen again (after the shell recreated its views).
    pub fn current(&self) -> Result<Update> {
        Ok(self.lock()?.current())
    }

    /// One user event.
    pub fn dispatch(&self, event: UiEvent) -> Result<Update> {
        Ok(self.lock()?.dispatch(event))
    }

    /// One camera frame, read in place (zero-copy: a direct `ByteBuffer` in Kotlin, `Data` in
    /// Swift): `luma` holds `height` rows of `row_stride` bytes, of which the first `width` are
    /// pixels. `None` when nothing the user sees changed.
    pub fn frame(
        &self,
        luma: &[u8],
        width: u32,
        height: u32,
        row_stride: u32,
        rotation: Rotation,
    ) -> Result<Option<Update>> {
        let frame = LumaFrame::new(luma, width, height, row_stride, rotation.into())
            .map_err(frame_error)?;
        Ok(self.lock()?.frame(&frame))
    }

    /// Runs a task an effect asked for (sync, enrolment) and returns the screen after it.
    /// `None` when it could not start (no server configured, a sync already running).
    pub async fn run_task(&self, task: AppTask) -> Result<Option<Update>> {
        let job = self.lock()?.prepare_task(task);
        let Some(job) = job else {
            return Ok(None);
        };
        let outcome = job.run(&CancelToken::new()).await;
        Ok(Some(self.lock()?.finish_task(outcome)))
    }
}
