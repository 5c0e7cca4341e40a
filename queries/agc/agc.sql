-- The AGC CMS ttbar task, NanoAOD version (tests/data-gen/AGC.md), in SQL: the histograms of the
-- Rust API's plan (crates/agc), by dataset and systematic, from a fileset registered as `events`:
--   rask agc --fileset data/agc/fileset.json --sql queries/agc/agc.sql --out DIR
-- regroups them into observable x process x variation. `vary(x, name => e)` is x in the query and
-- e in variation `name`; `by => (dataset, systematic)` fills one histogram per variation, all in
-- one pass. Views name the steps; the two regions are two SELECTs over them.
CREATE VIEW objects AS
  SELECT *,
    list_sum(Electron.pt > 30 AND abs(Electron.eta) < 2.1 AND Electron.cutBased = 4
             AND Electron.sip3d < 4)
      + list_sum(Muon.pt > 30 AND abs(Muon.eta) < 2.1 AND Muon.tightId AND Muon.sip3d < 4
                 AND Muon.pfRelIso04_all < 0.15) = 1 AS one_lepton,
    -- Jet pT in double precision, and its shifts.
    vary(Jet.pt * 1.0,
         pt_scale_up => Jet.pt * 1.0 * 1.03,
         pt_res_up => Jet.pt * 1.0 * (Jet.pt_res_smear * 1.0)) AS pt,
    -- |eta| < 2.4 and the tight-lepton-veto ID: (jetId & 4) != 0.
    abs(Jet.eta) < 2.4 AND Jet.jetId % 8 >= 4 AS jet_ok,
    if((process = 'data'), 1.0, xsec * 3378.0 / nevts) AS norm
  FROM events;

CREATE VIEW selected AS SELECT *, pt > 30 AND jet_ok AS good FROM objects;

CREATE VIEW counted AS
  SELECT *,
    list_sum(good) AS n_jets,
    list_sum(good AND Jet.btagCSVV2 > 0.5) AS n_b,
    list_filter(pt, p -> good) AS good_pt
  FROM selected;

CREATE VIEW weighted AS
  SELECT *,
    -- b-tag weights: 1 +- 0.075 pT_i / 50, pT_i the i-th selected jet's (nominal) pT.
    vary(norm,
      btag_var_0_up => norm * (1 + fill_none(first(list_filter(good_pt, p -> (local_index(good_pt) = 0))), 0) * 0.075 / 50),
      btag_var_0_down => norm * (1 - fill_none(first(list_filter(good_pt, p -> (local_index(good_pt) = 0))), 0) * 0.075 / 50),
      btag_var_1_up => norm * (1 + fill_none(first(list_filter(good_pt, p -> (local_index(good_pt) = 1))), 0) * 0.075 / 50),
      btag_var_1_down => norm * (1 - fill_none(first(list_filter(good_pt, p -> (local_index(good_pt) = 1))), 0) * 0.075 / 50),
      btag_var_2_up => norm * (1 + fill_none(first(list_filter(good_pt, p -> (local_index(good_pt) = 2))), 0) * 0.075 / 50),
      btag_var_2_down => norm * (1 - fill_none(first(list_filter(good_pt, p -> (local_index(good_pt) = 2))), 0) * 0.075 / 50),
      btag_var_3_up => norm * (1 + fill_none(first(list_filter(good_pt, p -> (local_index(good_pt) = 3))), 0) * 0.075 / 50),
      btag_var_3_down => norm * (1 - fill_none(first(list_filter(good_pt, p -> (local_index(good_pt) = 3))), 0) * 0.075 / 50),
      scale_var_up => norm * 1.025,
      scale_var_down => norm * 0.975) AS weight
  FROM counted;

-- 4j1b: HT, the scalar sum of the selected jets' pT.
SELECT whist(list_sum(good_pt), weight, 25, 50, 550, 'observable', by => (dataset, systematic)) AS "4j1b"
FROM weighted
WHERE one_lepton AND n_jets >= 4 AND n_b = 1;

-- 4j2b: the mass of the trijet of highest pT among those with a b-tagged jet. The region is cut
-- first (a view's WHERE masks what later views read), so trijets are built for its events only.
CREATE VIEW in_4j2b AS SELECT * FROM weighted WHERE one_lepton AND n_jets >= 4 AND n_b >= 2;

CREATE VIEW trijets AS
  SELECT *,
    list_filter(
      combinations(list_filter(zip(pt => pt, eta => Jet.eta, phi => Jet.phi, mass => Jet.mass,
                                   btag => Jet.btagCSVV2), j -> good), 3),
      t -> greatest(greatest(t."0".btag, t."1".btag), t."2".btag) > 0.5) AS tagged
  FROM in_4j2b;

SELECT whist(first(take(list_transform(tagged, t -> mass(t."0", t."1", t."2")),
                        argmax(list_transform(tagged, t -> pt4(t."0", t."1", t."2"))))),
             weight, 25, 50, 550, 'observable', by => (dataset, systematic)) AS "4j2b"
FROM trijets;
