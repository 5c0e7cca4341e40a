//! Lorentz-vector methods of [`Expr`]: sums, masses and angles of records with `pt, eta, phi,
//! mass` or Cartesian `px, py, pz, E` components.

use super::Expr;
use crate::error::PlanError;
use crate::op::{LorentzOp, Op};

impl Expr {
    /// The 4-vector sum of records with `pt, eta, phi, mass` or Cartesian `px, py, pz, E`
    /// (`rask_core::kernels::vector_kind`).
    pub fn p4_add(&self, other: &Expr) -> Result<Expr, PlanError> {
        let o = self.ctx.own(other)?;
        self.then(Op::Lorentz(LorentzOp::Add), vec![o])
    }

    /// Invariant mass of records with `pt, eta, phi, mass` or `px, py, pz, E`.
    pub fn p4_mass(&self) -> Result<Expr, PlanError> {
        self.then(Op::Lorentz(LorentzOp::Mass), vec![])
    }

    /// Transverse momentum of a 4-vector record.
    pub fn p4_pt(&self) -> Result<Expr, PlanError> {
        self.then(Op::Lorentz(LorentzOp::Pt), vec![])
    }

    /// Δφ, wrapped into [-π, π): of two angles, or of the `phi` fields of two records.
    pub fn delta_phi(&self, other: &Expr) -> Result<Expr, PlanError> {
        let o = self.ctx.own(other)?;
        self.then(Op::Lorentz(LorentzOp::DeltaPhi), vec![o])
    }

    /// ΔR = √(Δη² + Δφ²) of records with `eta, phi`.
    pub fn delta_r(&self, other: &Expr) -> Result<Expr, PlanError> {
        let o = self.ctx.own(other)?;
        self.then(Op::Lorentz(LorentzOp::DeltaR), vec![o])
    }

    /// Transverse mass of two objects with `pt, phi` (e.g. a lepton and MET):
    /// sqrt(2 pt₁ pt₂ (1 − cos Δφ)).
    pub fn mt(&self, other: &Expr) -> Result<Expr, PlanError> {
        let o = self.ctx.own(other)?;
        self.then(Op::Lorentz(LorentzOp::Mt), vec![o])
    }
}
